import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Tests start real processes (lc, sh, SLURM, Dask); give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Every Python process lc starts in the tests fails on a deprecated call (python/lc_warnings.py):
    // upstream removes what it deprecates, and CI must notice a release before that.
    env: { LC_DEPRECATIONS: 'error' },
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: [...configDefaults.exclude, 'test/hpc/**'],
        },
      },
      {
        // Real SLURM + MUNGE + Dask: the global setup brings up the private 2-node test cluster
        // (scripts/cluster-up.sh) and fails the suite, never skips it, when that is impossible.
        extends: true,
        test: {
          // scripts/test.sh runs this project once per stack and names each lane by its versions
          name: process.env.LC_HPC_LANE ?? 'hpc',
          include: ['test/hpc/**/*.test.ts'],
          // Containers on the cluster use the host's podman; the Debian 13 lane's workers run in
          // its root (scripts/with-debian13.sh), which has none. The Debian 12 lane runs them.
          exclude: [...configDefaults.exclude, ...(process.env.LC_STACK_ROOT ? ['test/hpc/containers.test.ts'] : [])],
          globalSetup: ['test/hpc/global-setup.ts'],
          // one cluster with two nodes: files take turns (in a run of this project alone this
          // setting did not hold; scripts/test.sh passes --no-file-parallelism, and so must a
          // hand run of several hpc files)
          fileParallelism: false,
          testTimeout: 180_000,
        },
      },
    ],
  },
});
