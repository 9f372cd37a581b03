// The browser example's script: plain ES modules, resolved by the import map in index.html.
// It watches, through the relay its server mounts at /relay/, the executions the server
// started, and renders every step live. The page holds no API key: the server does.
import { aggregateProgress, fromRelay, mergeExecutions, progress, statusChanges, stepChanges } from 'runwatch';
import { EMPTY, catchError, ignoreElements, merge, share, tap } from 'rxjs';

/** The text inside a step's round mark; running and waiting steps are drawn by CSS alone. */
const MARKS = { completed: '✓', failed: '✕', skipped: '–', cancelled: '–' };

const list = document.getElementById('executions');
const template = document.getElementById('execution-template');
const summary = document.getElementById('summary');
const done = document.getElementById('done');
const notice = document.getElementById('notice');

start().catch((error) => {
  notice.hidden = false;
  notice.textContent = `Could not start: ${error instanceof Error ? error.message : String(error)}`;
  console.error(error);
});

/** Asks the server what to watch, then renders each execution until every one has ended. */
async function start() {
  const response = await fetch('/api/executions');
  if (!response.ok) {
    notice.hidden = false;
    notice.innerHTML =
      'This page needs its server, which holds the keys and mounts the relay: ' +
      '<code>npm run build &amp;&amp; node examples/browser/server.mjs</code>, then open the address it prints.';
    return;
  }
  /** @type {{ provider: string, title: string, url: string }[]} */
  const runs = await response.json();
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
 * @param {{ provider: string, title: string, url: string }} run
 */
function watchRun(run) {
  const view = createCard(run);
  // One run, several views of it: share() so that the subscriptions below open one stream.
  const updates = fromRelay(run.url).pipe(share());
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
