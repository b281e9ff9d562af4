/**
 * `lc build [-u U]... [TARGET...] [--force] [--runtime R] [--json]`: make sure of every image the
 * selected tasks run in, as `lc run` does before its first task: Containerfiles built under
 * their content-addressed tags, references pulled when missing. One line per image.
 */
import { selectTasks } from '../../engine/dag/index.js';
import { prepareContainers, type ImageProgress } from '../../engine/containers/plan.js';
import { LcError } from '../../engine/errors.js';
import { CONTAINER_RUNTIME_SETTINGS } from '../../engine/config/project-config.js';
import { preflightDiagnostics } from '../../engine/runner/preflight.js';
import { parseCommandArgs, SELECT_OPTIONS } from '../args.js';
import { paint } from '../color.js';
import { formatDiagnostic } from '../diagnostics.js';
import { openProject } from '../project-context.js';
import type { Command } from './command.js';

const USAGE = `Usage: lc build [-u UNIVERSE]... [TARGET...] [--force] [--runtime R] [--json]

Build or pull every container image the selected tasks run in (lc run does the same before its
first task): a Containerfile is built, from a staged copy of what its tag covers, under a tag
made from what the build can see (lc-<name>-<12 hex>); an image reference is pulled when it is
not there, and what it names now is recorded (outputs that ran in another image become stale).
The runtime's output is shown as it builds; the last lines name the runtime and each image.

Options:
  -u, --universe U  only these universes (repeatable)
  --force           build and pull again even when the image is there
  --runtime R       ${CONTAINER_RUNTIME_SETTINGS.join(' | ')} (default: LC_CONTAINER_RUNTIME,
                    container.runtime in .lightcone/lightcone.yaml, else the first found)
  --json            {"schema":1,"runtime":...,"images":[{"container","image","id","action"}],"problems":[...]}
  --no-color        no ANSI colour

Examples:
  lc build                          every image the project's tasks need
  lc build fit -u baseline          the image of one output in one universe
  lc build --force --runtime podman pull and build again with podman
`;

/** Live build and pull output: what starts, the runtime's own lines indented beneath. */
function progressLine(e: ImageProgress, p: ReturnType<typeof paint>): string {
  if (e.kind === 'start') return `${p.dim(e.work === 'build' ? 'building' : 'pulling ')} ${e.container} -> ${e.image} (${e.runtime})\n`;
  if (e.kind === 'line') return p.dim(`  | ${e.line}`) + '\n';
  return '';
}

export const command: Command = {
  name: 'build',
  summary: 'build or pull the container images the tasks run in',
  usage: USAGE,
  run: async (args, g) => {
    const { values, positionals } = parseCommandArgs('build', args, {
      ...SELECT_OPTIONS,
      force: { type: 'boolean' },
      runtime: { type: 'string' },
      json: { type: 'boolean' },
    });
    const runtime = values.runtime;
    if (runtime !== undefined && !(CONTAINER_RUNTIME_SETTINGS as readonly string[]).includes(runtime))
      throw new LcError('USAGE', `lc build: --runtime must be one of ${CONTAINER_RUNTIME_SETTINGS.join(', ')}, not '${runtime}'`);
    const universes = values.universe ?? [];
    const ctx = await openProject(g, universes.length > 0 ? { universes } : {});
    const p = paint(g.color);
    const selected = selectTasks(ctx.dag, positionals, universes);
    if (!selected.ok) throw selected.error;
    const env = runtime !== undefined ? { ...process.env, LC_CONTAINER_RUNTIME: runtime } : process.env;
    const onProgress = values.json ? undefined : (e: ImageProgress) => process.stdout.write(progressLine(e, p));
    const { plan, problems } = await prepareContainers(ctx, selected.value, { env, force: values.force === true, ...(onProgress ? { onProgress } : {}) });
    const images = [...plan.images].map(([container, i]) => ({ container, image: i.image, id: i.id, action: i.action }));
    if (values.json) {
      const doc = { schema: 1, runtime: plan.runtime, images, problems: preflightDiagnostics(problems) };
      process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    } else {
      if (plan.runtime !== null && images.length > 0) process.stdout.write(p.dim(`runtime ${plan.runtime} (${plan.why})`) + '\n');
      for (const i of images) process.stdout.write(`${p.tone('ok', i.action.padEnd(8))} ${i.container} -> ${i.image}${i.id ? p.dim(` ${i.id.slice(0, 19)}`) : ''}\n`);
      for (const d of preflightDiagnostics(problems)) process.stderr.write(formatDiagnostic(d, g.cwd, p) + '\n');
      if (images.length === 0 && problems.length === 0) process.stdout.write(`no image to build (${plan.why})\n`);
    }
    return problems.length > 0 ? 1 : 0;
  },
};
