// Status bodies for the benchmarks, built from the documented fixtures in test/fixtures: each
// provider's own step shape, repeated to `steps` steps (all finished but the last, which runs),
// with times one minute apart written the way the provider writes them.
import { readFileSync } from 'node:fs';

const fixture = (provider, name) =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/${provider}/${name}.json`, import.meta.url), 'utf8'));

const T0 = Date.parse('2025-12-04T11:48:10Z');
const at = (i) => new Date(T0 + i * 60_000).toISOString();
const seconds = (i) => at(i).replace(/\.\d{3}Z$/, 'Z'); // `2025-12-04T11:48:10Z`: ModelsLab and EachLabs
const zoneless = (i) => at(i).slice(0, 19); // `2025-12-04T11:48:10`: Datalab

/** An EachLabs `GET /executions/{id}` body (current host, with its per-step `kind`, `metadata` …). */
export function eachlabsBody(steps) {
  const doc = fixture('eachlabs', 'execution-current-running');
  const [done, running] = Object.values(doc.step_outputs);
  doc.step_outputs = {};
  for (let i = 0; i < steps; i++) {
    const last = i === steps - 1;
    const id = `step${i + 1}`;
    doc.step_outputs[id] = {
      ...(last ? running : done),
      step_id: id,
      started_at: seconds(i),
      completed_at: last ? null : seconds(i + 1),
    };
  }
  return doc;
}

/** A Datalab `GET /executions/{id}` body (flat form) with presigned output URLs on finished steps. */
export function datalabBody(steps) {
  const doc = fixture('datalab', 'status-documented');
  doc.steps = {};
  for (let i = 0; i < steps; i++) {
    const last = i === steps - 1;
    const name = `step_${i + 1}`;
    doc.steps[name] = last
      ? { status: 'IN_PROGRESS', started_at: zoneless(i) }
      : {
          status: 'COMPLETED',
          started_at: zoneless(i),
          completed_at: zoneless(i + 1),
          output_url: `https://storage.datalab.to/outputs/123/${name}.json?X-Amz-Expires=3600&X-Amz-Signature=${'f'.repeat(32)}`,
        };
  }
  return doc;
}

/** A ModelsLab `GET /{workflow_id}/runs/{execution_id}` body. */
export function modelslabBody(steps) {
  const doc = fixture('modelslab', 'running');
  const [done] = doc.steps;
  doc.steps = Array.from({ length: steps }, (_, i) => ({
    ...done,
    name: `Step ${i + 1}`,
    status: i === steps - 1 ? 'running' : 'completed',
    started_at: seconds(i),
    completed_at: i === steps - 1 ? null : seconds(i + 1),
  }));
  return doc;
}

/** A fetch that answers every request with `text` as a JSON 200, like a provider would. */
export function fakeFetch(text) {
  const init = { status: 200, headers: { 'content-type': 'application/json' } };
  return async () => new Response(text, init);
}
