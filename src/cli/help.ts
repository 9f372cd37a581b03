/**
 * The help page of each command, as printed by `--help`.
 *
 * @example
 * ```ts
 * import { HELP } from './help.js';
 *
 * console.log(HELP.demo.split('\n')[0]);
 * // Logs: Usage: runwatch demo
 * ```
 */
export const HELP: Readonly<Record<'main' | 'demo' | 'watch' | 'run' | 'simulate', string>> = {
  main: `runwatch: watch AI workflow executions (ModelsLab, EachLabs, Datalab) until they finish

Usage:
  runwatch demo                                  a live demo against a built-in simulator
  runwatch simulate [--port <n>]                 serve the simulator for other clients
  runwatch watch <provider> <id…> [options]      watch executions until they end
  runwatch run <provider> <workflow> [options]   start a workflow and watch it
  runwatch --help | --version

Providers: modelslab, eachlabs, datalab
API keys:  --api-key, or MODELSLAB_API_KEY, EACHLABS_API_KEY, DATALAB_API_KEY

Exit codes: 0 all completed, 1 any failed or cancelled, 2 usage error,
            3 other error (authentication, network, timeout), 130 interrupted

Run 'runwatch <command> --help' for a command's options.`,

  demo: `Usage: runwatch demo

Starts a simulator on 127.0.0.1, starts a few executions on all three providers (one
fails, one has many steps) and watches them with the live display. Takes about 11 s and
exits 0, failures included: they are part of the show.`,

  simulate: `Usage: runwatch simulate [--port <n>]

Starts the simulator of the ModelsLab, EachLabs and Datalab APIs on 127.0.0.1 and serves it
until Ctrl-C, printing the base URL of each provider API and the API key it accepts (the
same for all), then one line per request. Point a client at it with --base-url, the key
with --api-key or the provider's variable. 'runwatch run' (trigger, execute) starts an
execution: two to four steps over a few seconds, about one in five failing.

Options:
  --port <n>    the port to listen on; default: any free one
  -h, --help    this help

Example:
  runwatch simulate --port 8787
  runwatch run eachlabs wf-1 --base-url http://127.0.0.1:8787/eachlabs/api/v1 \\
    --api-key runwatch-simulator-key`,

  watch: `Usage: runwatch watch <provider> <execution-id…> [options]

Watches one or more executions until each reaches completed, failed or cancelled.

Options:
  --workflow <id>     the workflow the executions belong to (required for modelslab)
  --api-key <key>     the provider key; default: $MODELSLAB_API_KEY, $EACHLABS_API_KEY or
                      $DATALAB_API_KEY (prefer the variable: flags show up in 'ps')
  --base-url <url>    replaces the provider's API base, path included (proxy, simulator)
  --api <flavour>     eachlabs only: 'legacy' (workflows.eachlabs.run) or 'current' (api.eachlabs.ai)
  --max-wait <ms>     give up (exit 3) if an execution has not ended by then
  --json              one JSON change per line (NDJSON) instead of the display
  -h, --help          this help

Examples:
  runwatch watch eachlabs 69ae8c7b-7500-4a45-b7c0-348b8cc2665b
  runwatch watch modelslab 12345 --workflow 0f3c… --json | jq .type`,

  run: `Usage: runwatch run <provider> <workflow-id> [--input key=value …] [options]

Starts the workflow, then watches the execution it started until it ends.

Options:
  --input key=value   a workflow input, as a string; repeat for more
  --input key:=json   a workflow input as JSON (a number, a list…)
                      datalab: the inputs are the input_config fields, e.g.
                      --input type=single_file --input file_url=https://…/a.pdf
  --version-id <id>   eachlabs only: the workflow version to run
  --api-key <key>     the provider key; default: $MODELSLAB_API_KEY, $EACHLABS_API_KEY or
                      $DATALAB_API_KEY
  --base-url <url>    replaces the provider's API base, path included
  --api <flavour>     eachlabs only: 'legacy' or 'current'
  --max-wait <ms>     give up (exit 3) if the execution has not ended by then
  --json              one JSON change per line (NDJSON) instead of the display
  -h, --help          this help

Example:
  runwatch run modelslab 0f3c… --input prompt="a red fox" --input steps:=30`,
};
