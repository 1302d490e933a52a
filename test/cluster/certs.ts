import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ClusterTls } from '../../src/cluster/state';

/**
 * A CA and, signed by it, a certificate for the frontend (localhost, 127.0.0.1) and one for
 * clients: made with openssl, as an operator would, so the mTLS path runs on real files.
 */
export function makeCertificates(dir: string): ClusterTls {
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...key,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=Tandem test CA',
  );
  const sign = (name: string, subject: string, extensions: string) => {
    writeFileSync(file(`${name}.ext`), extensions);
    openssl(
      'req',
      ...key,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.csr`),
      '-subj',
      subject,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file(`${name}.pem`),
      '-days',
      '2',
      '-extfile',
      file(`${name}.ext`),
    );
  };
  sign(
    'server',
    '/CN=localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  sign('client', '/CN=tandem', 'extendedKeyUsage=clientAuth\n');
  return {
    serverCa: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCa: file('ca.pem'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
    serverName: 'localhost',
  };
}
