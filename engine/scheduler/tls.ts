/**
 * A per-session certificate authority: at start the supervisor makes a CA, signs ONE
 * certificate with it (used by scheduler, workers and bridges alike, since they are all us),
 * and throws the CA key away, so nothing can ever be signed for this session again.
 * Dask requires a client certificate from the same CA on every connection (CERT_REQUIRED):
 * anyone without these files (another user: the dir is 0700, files 0600) is refused.
 * Made with the `openssl` CLI: Debian's python3-distributed does not pull in `cryptography`.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { errorMessage, LcError } from '../errors.js';

const run = promisify(execFile);

export interface TlsFiles {
  dir: string;
  ca: string;
  cert: string;
  key: string;
}

export const tlsFiles = (dir: string): TlsFiles => ({
  dir,
  ca: join(dir, 'ca.pem'),
  cert: join(dir, 'cert.pem'),
  key: join(dir, 'key.pem'),
});

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function createSessionTls(dir: string, days = 365): Promise<TlsFiles> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const f = tlsFiles(dir);
  const caKey = join(dir, 'ca.key');
  const csr = join(dir, 'req.csr');
  const ext = join(dir, 'ext.cnf');
  const subj = `/CN=lc-session-${process.pid}-${Date.now()}`;
  writeFileSync(
    ext,
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n',
    { mode: 0o600 },
  );
  const opts = { timeout: 30_000, env: { ...process.env, OPENSSL_CONF: '/dev/null' } };
  try {
    // umask-independent: every file is chmod'ed below anyway, but keep the window closed
    const old = process.umask(0o077);
    try {
      await run(
        'openssl',
        [
          'req',
          '-x509',
          ...EC,
          '-keyout',
          caKey,
          '-out',
          f.ca,
          '-days',
          String(days),
          '-subj',
          `${subj}-ca`,
          '-addext',
          'basicConstraints=critical,CA:TRUE',
          '-addext',
          'keyUsage=critical,keyCertSign,cRLSign',
        ],
        opts,
      );
      await run('openssl', ['req', ...EC, '-keyout', f.key, '-out', csr, '-subj', subj], opts);
      await run(
        'openssl',
        [
          'x509',
          '-req',
          '-in',
          csr,
          '-CA',
          f.ca,
          '-CAkey',
          caKey,
          '-set_serial',
          String(Date.now()),
          '-out',
          f.cert,
          '-days',
          String(days),
          '-extfile',
          ext,
        ],
        opts,
      );
    } finally {
      process.umask(old);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LcError(
      'TLS_SETUP',
      code === 'ENOENT'
        ? 'the openssl command is not installed (needed for the scheduler TLS certificates)'
        : `creating the session TLS certificates failed: ${errorMessage(e)}`,
      {
        hint: code === 'ENOENT' ? 'apt-get install openssl' : undefined,
      },
    );
  } finally {
    for (const p of [caKey, csr, ext]) rmSync(p, { force: true });
  }
  for (const p of [f.ca, f.cert, f.key]) chmodSync(p, 0o600);
  return f;
}
