// The browser example's script: plain ES modules, resolved by the import map in index.html.
// It starts one workflow on each provider of a runwatch simulator and renders every step live.
import {
  aggregateProgress,
  datalab,
  eachlabs,
  mergeExecutions,
  modelslab,
  progress,
  statusChanges,
  stepChanges,
} from 'runwatch';
import { EMPTY, catchError, ignoreElements, merge, share, tap } from 'rxjs';

/** The text inside a step's round mark; running and waiting steps are drawn by CSS alone. */
const MARKS = { completed: '✓', failed: '✕', skipped: '–', cancelled: '–' };

const list = document.getElementById('executions');
const template = document.getElementById('execution-template');
const summary = document.getElementById('summary');
const done = document.getElementById('done');
const notice = document.getElementById('notice');

// The simulator's address and key come in the fragment, which no server ever receives; take
// them out of the address bar at once so they are not shared with a copied link.
const params = new URLSearchParams(location.hash.slice(1));
const simulator = params.get('sim');
const apiKey = params.get('key');
if (location.hash !== '') history.replaceState(null, '', location.pathname + location.search);

if (simulator === null || apiKey === null) {
  notice.hidden = false;
  notice.innerHTML =
    'Open this page with a simulator address and key in the fragment: ' +
    '<code>index.html#sim=http://127.0.0.1:PORT&amp;key=KEY</code>. ' +
    'The comment at the top of index.html says how to start one.';
} else {
  start(simulator, apiKey).catch((error) => {
    notice.hidden = false;
    notice.textContent = `Could not start: ${error instanceof Error ? error.message : String(error)}`;
    console.error(error);
  });
}

/**
 * Starts the runs and renders them until every one has ended.
 * @param {string} simulatorUrl - e.g. `http://127.0.0.1:PORT`.
 * @param {string} key - the simulator's API key.
 */
async function start(simulatorUrl, key) {
  // The simulator's index page lists where each provider API lives on it.
  const response = await fetch(new URL('/', simulatorUrl));
  if (!response.ok) throw new Error(`the simulator at ${simulatorUrl} answered ${response.status}`);
  const { baseUrls } = await response.json();

  // The simulator enforces no request limits and its executions last seconds, so the budgets
  // are off and polling is brisk. Against the real APIs keep the defaults: ModelsLab allows
  // 10 requests a minute per workflow, and its workflows run for minutes.
  const common = { apiKey: key, rateLimit: false, backoff: { initialDelayMs: 250, maxDelayMs: 1_000 } };
  const ml = modelslab({ ...common, baseUrl: baseUrls.modelslab });
  const el = eachlabs({ ...common, api: 'current', baseUrl: baseUrls.eachlabsCurrent });
  const dl = datalab({ ...common, baseUrl: baseUrls.datalab });

  const runs = [
    {
      provider: 'ModelsLab',
      title: 'Lighthouse at dusk',
      start: () => ml.runAndWatch('wf-lighthouse', { prompt: 'a lighthouse at dusk, oil painting' }),
    },
    {
      provider: 'EachLabs',
      title: 'Mountain poster',
      start: () =>
        el.runAndWatch('50741f40-8621-4d46-8a91-dff4d873be98', {
          inputs: { prompt: 'A majestic mountain landscape' },
          versionId: 'v1',
        }),
    },
    {
      provider: 'Datalab',
      title: 'Invoice extraction',
      start: () => dl.runAndWatch(42, { type: 'single_file', file_url: 'https://example.com/invoice.pdf' }),
    },
  ];

  mergeExecutions(runs.map(watchRun))
    .pipe(aggregateProgress())
    .subscribe({
      next: renderSummary,
      // Each run catches its own error (see watchRun), so this completes once all have ended.
      complete: () => {
        done.hidden = false;
      },
    });
}

/**
 * Adds a card for a run and returns its updates, rendering them on the way through.
 * @param {{ provider: string, title: string, start: () => import('rxjs').Observable<any> }} run
 */
function watchRun(run) {
  const view = createCard(run);
  // One run, several views of it: share() so that the subscriptions below start it once.
  const updates = run.start().pipe(share());
  const rendering = merge(
    updates.pipe(stepChanges(), tap(view.step)),
    updates.pipe(statusChanges(), tap(view.status)),
    updates.pipe(progress(), tap(view.progress)),
  ).pipe(ignoreElements());
  return merge(rendering, updates.pipe(tap(view.snapshot))).pipe(
    catchError((error) => {
      view.fail(error);
      console.error(`${run.provider} ${run.title}:`, error);
      return EMPTY;
    }),
  );
}

/**
 * Renders one run: a card with a row per step.
 * @param {{ provider: string, title: string }} run
 */
function createCard(run) {
  const card = template.content.firstElementChild.cloneNode(true);
  card.dataset.provider = run.provider.toLowerCase();
  card.querySelector('.provider').textContent = run.provider;
  card.querySelector('.title').textContent = run.title;
  const steps = card.querySelector('.steps');
  const rows = new Map();
  list.append(card);

  const setStatus = (status) => {
    card.dataset.status = status;
    card.querySelector('.status').textContent = status;
  };

  return {
    /** @param {{ type: string, step: { key: string, name: string, status: string } }} change */
    step(change) {
      const { step } = change;
      let row = rows.get(step.key);
      if (row === undefined) {
        row = document.createElement('li');
        row.className = 'step';
        row.dataset.key = step.key;
        row.innerHTML = '<span class="mark"></span><span class="step-name"></span><span class="step-status"></span>';
        rows.set(step.key, row);
        steps.append(row);
      }
      row.dataset.status = step.status;
      row.querySelector('.mark').textContent = MARKS[step.status] ?? '';
      row.querySelector('.step-name').textContent = step.name;
      row.querySelector('.step-status').textContent = step.status;
    },
    /** @param {{ to: string }} change */
    status(change) {
      setStatus(change.to);
    },
    /** @param {{ ratio: number }} figure */
    progress(figure) {
      card.querySelector('.bar > div').style.width = `${Math.round(figure.ratio * 100)}%`;
    },
    /** @param {{ snapshot: { executionId: string, error?: { message: string } } }} update */
    snapshot({ snapshot }) {
      card.dataset.executionId = snapshot.executionId;
      card.querySelector('.id').textContent = `execution ${snapshot.executionId}`;
      card.querySelector('.error').textContent = snapshot.error?.message ?? '';
    },
    /** @param {unknown} error */
    fail(error) {
      setStatus('error');
      card.querySelector('.error').textContent =
        error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    },
  };
}

/** @param {{ total: number, byStatus: Record<string, number>, done: boolean }} figure */
function renderSummary(figure) {
  const parts = Object.entries(figure.byStatus)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `<b>${count}</b> ${status}`);
  summary.innerHTML = `${figure.total} executions · ${parts.join(' · ')}`;
}
