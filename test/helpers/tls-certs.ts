// Test helper: a private CA and certificates made with openssl, for mTLS between zinc and a
// Temporal server: the server's (also used between the server's own services) and clients'.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertPair {
  cert: string;
  key: string;
}

export interface TestCertificates {
  /** The CA's certificate (PEM file). */
  ca: string;
  /** The server name in the server certificate (and 127.0.0.1 as an IP SAN). */
  serverName: string;
  server: CertPair;
  /** A client certificate signed by the CA. */
  client: CertPair;
  /** A client certificate signed by another CA, which the server must not accept. */
  stranger: CertPair;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function selfSignedCa(dir: string, name: string): CertPair {
  const pair = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      pair.key,
      '-out',
      pair.cert,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return pair;
}

function signed(dir: string, ca: CertPair, name: string, extensions: string): CertPair {
  const pair = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      pair.key,
      '-out',
      csr,
    ],
    dir,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      pair.cert,
      '-extfile',
      ext,
    ],
    dir,
  );
  return pair;
}

/** Makes a CA, a server certificate for `serverName` and 127.0.0.1, and client certificates. */
export function makeCertificates(dir: string, serverName = 'temporal.zinc.test'): TestCertificates {
  const ca = selfSignedCa(dir, 'zinc-test-ca');
  const other = selfSignedCa(dir, 'other-ca');
  // The server's certificate serves the frontend and the internode connections, on which the
  // server's services are each other's clients: both purposes.
  const server = signed(
    dir,
    ca,
    'temporal-server',
    `subjectAltName=DNS:${serverName},IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`,
  );
  const clientExt =
    'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n';
  const client = signed(dir, ca, 'zinc-worker', clientExt);
  const stranger = signed(dir, other, 'stranger', clientExt);
  return { ca: ca.cert, serverName, server, client, stranger };
}
