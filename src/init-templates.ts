/**
 * The files `lc init` writes: a project that validates and runs at once (one decision, a
 * two-output chain, two universes, POSIX sh recipes), with lc's settings file commented out.
 */
export interface InitOptions {
  /** The project id (from the directory's name). */
  id: string;
  /** Recipes run in ./Containerfile's image. */
  container: boolean;
}

export function initFiles(o: InitOptions): Record<string, string> {
  const container = o.container ? '      container: Containerfile\n' : '';
  return {
    'astra.yaml': `# An ASTRA analysis: outputs made by recipes, the inputs between them, and the decisions each
# universe (universes/*.yaml) takes. lc run makes what is not ok; lc alone shows it live.
id: ${o.id}
version: "0.0.12"
name: ${o.id}
inputs:
  - id: numbers
    type: data
    label: Measured numbers
    source: data/numbers.txt
decisions:
  scale:
    label: Scale factor
    rationale: Whether the numbers are taken as measured or in tenths.
    default: one
    options:
      one: {label: As measured}
      ten: {label: Times ten}
outputs:
  - id: scaled
    type: data
    label: Scaled numbers
    inputs: [numbers]
    decisions: [scale]
    recipe:
      command: sh scripts/scale.sh {inputs.numbers} {decisions.scale} {output}
${container}  - id: total
    type: metric
    label: Sum of the scaled numbers
    inputs: [scaled]
    recipe:
      command: sh scripts/total.sh {inputs.scaled} {output}
      resources: {cpus: 1, time_limit: 5m}
${container}`,
    'universes/baseline.yaml': 'id: baseline\ndescription: The numbers as measured.\ndecisions:\n  scale: one\n',
    'universes/tenfold.yaml': 'id: tenfold\ndescription: The numbers times ten.\ndecisions:\n  scale: ten\n',
    'data/numbers.txt': '3\n1\n4\n1\n5\n9\n2\n6\n',
    'scripts/scale.sh': `#!/bin/sh
# usage: scale.sh NUMBERS one|ten OUTDIR
set -eu
factor=1
[ "$2" = ten ] && factor=10
awk -v f="$factor" '{ print $1 * f }' "$1" > "$3/numbers.txt"
`,
    'scripts/total.sh': `#!/bin/sh
# usage: total.sh SCALED_DIR OUTDIR
set -eu
awk '{ s += $1 } END { printf "{\\"total\\": %d}\\n", s }' "$1/numbers.txt" > "$2/total.json"
cat "$2/total.json"
`,
    '.gitignore': '# made by lc run, and lc\'s own state\nresults/\n.lightcone/scratch-*/\n',
    '.lightcone/lightcone.yaml': `# lc's settings for this project (all optional; ~/.lightcone/config.yaml holds a user's own).
# scratch_root: $SCRATCH/lc        # logs, caches and scheduler state (default: .lightcone/)
# python: /usr/bin/python3         # the Python whose distributed runs Dask
# container:
#   runtime: auto                  # auto | podman-hpc | podman | docker | apptainer | singularity | none
# scheduler:
#   idle_timeout: 30m              # the session scheduler stops after this long idle
#   queue: cpu                     # outside an allocation, lc run computes in pilot jobs of this queue
# queues:                          # pilot jobs submitted with sbatch
#   cpu: {nodes: 1, cpus: 128, memory: 480GB, walltime: "02:00:00", partition: regular, max_jobs: 20}
`,
    ...(o.container
      ? {
          Containerfile: `# The image the recipes run in (lc builds it under a tag made from what it can see).
FROM docker.io/library/debian:stable-slim
`,
        }
      : {}),
  };
}
