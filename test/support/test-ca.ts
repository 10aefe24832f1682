// Vitest global setup: a certificate authority that the test processes trust (NODE_EXTRA_CA_CERTS, read when each
// forked worker starts), so an https target can be checked as a real site is, without ignoreTls.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Where the CA's key and certificate are, for targets.ts to sign with. */
export const TEST_CA_DIR_ENV = 'VIGIE_TEST_CA_DIR';

export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-test-ca-'));
  try {
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=Vigie Test Root/O=Vigie Test CA', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem'),
    ]);
  } catch (error) {
    throw new Error(`could not make the test CA with openssl (apt-get install openssl): ${String(error)}`, { cause: error });
  }
  // Added to the extra CAs the machine already sets, not in their place.
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  const before = extra ? await readFile(extra, 'utf8').catch(() => '') : '';
  await writeFile(join(dir, 'trusted.pem'), `${before}\n${await readFile(join(dir, 'ca.pem'), 'utf8')}`);
  process.env.NODE_EXTRA_CA_CERTS = join(dir, 'trusted.pem');
  process.env[TEST_CA_DIR_ENV] = dir;
  return () => rm(dir, { recursive: true, force: true });
}
