import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pki {
  dir: string;
  /** CA that signs the server's and the client's certificates. */
  caCert: string;
  /** Another CA, unrelated: a client trusting it must refuse the server. */
  otherCaCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by the other CA: the server must refuse it. */
  strangerCert: string;
  strangerKey: string;
}

async function ca(dir: string, name: string): Promise<[string, string]> {
  const [cert, key] = [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=dreamgate test ${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return [cert, key];
}

async function leaf(
  dir: string,
  name: string,
  [caCert, caKey]: [string, string],
  extensions: string[],
): Promise<[string, string]> {
  const [cert, key, csr, ext] = ['crt', 'key', 'csr', 'ext'].map((x) => join(dir, `${name}.${x}`)) as [
    string,
    string,
    string,
    string,
  ];
  await run('openssl', [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    key,
    '-out',
    csr,
  ]);
  await writeFile(ext, ['basicConstraints=critical,CA:FALSE', ...extensions].join('\n') + '\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caCert,
    '-CAkey',
    caKey,
    '-set_serial',
    `0x${randomBytes(16).toString('hex')}`,
    '-days',
    '2',
    '-extfile',
    ext,
    '-out',
    cert,
  ]);
  return [cert, key];
}

/**
 * Certificates made by `openssl` for a test: a CA with a server certificate for `temporal.test` only and a
 * client certificate, and an unrelated CA with a client certificate of its own.
 * EC P-256 v3 certificates with the extensions rustls (the worker's TLS) insists on.
 */
export async function makePki(dir: string): Promise<Pki> {
  const [root, other] = await Promise.all([ca(dir, 'ca'), ca(dir, 'other-ca')]);
  const [server, client, stranger] = await Promise.all([
    leaf(dir, 'server', root, [
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      // only a name, not the loopback address it listens on: connecting needs the server name override
      'subjectAltName=DNS:temporal.test',
    ]),
    leaf(dir, 'client', root, ['keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth']),
    leaf(dir, 'stranger', other, ['keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth']),
  ]);
  return {
    dir,
    caCert: root[0],
    otherCaCert: other[0],
    serverCert: server[0],
    serverKey: server[1],
    clientCert: client[0],
    clientKey: client[1],
    strangerCert: stranger[0],
    strangerKey: stranger[1],
  };
}
