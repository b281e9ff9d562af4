/**
 * The project's git commit and remote, recorded in manifests for provenance and never hashed
 * into any version (a new commit must not make outputs stale). Looked up once per process and
 * project; not a git checkout (or no git) gives nulls.
 */
import { execFile } from 'node:child_process';

export interface GitInfo {
  sha: string | null;
  remote: string | null;
}

const memo = new Map<string, Promise<GitInfo>>();

export function gitInfo(root: string): Promise<GitInfo> {
  let p = memo.get(root);
  if (!p) {
    p = Promise.all([git(root, ['rev-parse', 'HEAD']), git(root, ['config', '--get', 'remote.origin.url'])]).then(
      ([sha, remote]) => ({
        sha,
        remote,
      }),
    );
    memo.set(root, p);
  }
  return p;
}

function git(cwd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 10_000, encoding: 'utf8' }, (err, stdout) => {
      resolve(err ? null : stdout.trim() || null);
    });
  });
}
