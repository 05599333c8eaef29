/**
 * A real RFC 3161 TSA for tests: `openssl ts -reply` behind a small HTTP server on 127.0.0.1, with a root CA and a
 * TSA certificate (extendedKeyUsage critical,timeStamping) made by openssl in a temporary folder. It can be told to
 * misbehave (answer another nonce or another imprint) and can be stopped and started again on the same port.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { TimeStampReq } from '@peculiar/asn1-tsp';

const run = promisify(execFile);
const openssl = (args: string[], cwd: string) => run('openssl', args, { cwd, timeout: 30_000 });

export type TsaMode = 'good' | 'wrong-nonce' | 'wrong-imprint';

/** A self-signed P-256 root CA in `dir` as <name>.crt/<name>.key. */
export async function makeCa(dir: string, name: string, cn: string): Promise<string> {
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '3650',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return path.join(dir, `${name}.crt`);
}

export class TestTsa {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-tsa-'));
  mode: TsaMode = 'good';
  /** Requests answered so far. */
  answered = 0;
  #server: http.Server | null = null;
  #port = 0;

  get caFile() {
    return path.join(this.dir, 'ca.crt');
  }
  get url() {
    return `http://127.0.0.1:${this.#port}/tsa`;
  }

  /** Make the CA, the TSA certificate and openssl's TSA configuration. */
  async init(): Promise<this> {
    const d = this.dir;
    await makeCa(d, 'ca', 'Consult Test TSA Root');
    fs.writeFileSync(
      path.join(d, 'tsa-ext.cnf'),
      'extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n',
    );
    await openssl(
      [
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'tsa.key',
        '-out',
        'tsa.csr',
        '-subj',
        '/O=Consult Test/CN=Consult Test TSA',
      ],
      d,
    );
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        'tsa.csr',
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        'tsa.crt',
        '-days',
        '365',
        '-extfile',
        'tsa-ext.cnf',
      ],
      d,
    );
    fs.writeFileSync(path.join(d, 'tsaserial'), '01\n');
    fs.writeFileSync(
      path.join(d, 'tsa.cnf'),
      [
        '[ tsa ]',
        'default_tsa = tsa_config',
        '[ tsa_config ]',
        `dir = ${d}`,
        'serial = $dir/tsaserial',
        'crypto_device = builtin',
        'signer_cert = $dir/tsa.crt',
        'certs = $dir/ca.crt',
        'signer_key = $dir/tsa.key',
        'signer_digest = sha256',
        'default_policy = 1.2.3.4.1',
        'digests = sha256, sha384, sha512',
        'accuracy = secs:1',
        'ordering = no',
        'tsa_name = yes',
        'ess_cert_id_chain = no',
        'ess_cert_id_alg = sha256',
        '',
      ].join('\n'),
    );
    return this;
  }

  /** Listen (again) on 127.0.0.1, on the port it had before if it had one. */
  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.#answer(Buffer.concat(chunks)).then(
          (der) => {
            this.answered++;
            res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(der);
          },
          (e: Error) => res.writeHead(500).end(e.message),
        );
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const s = this.#server;
    this.#server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  async #answer(query: Buffer): Promise<Buffer> {
    const req = AsnConvert.parse(query, TimeStampReq);
    if (this.mode === 'wrong-nonce') req.nonce = new Uint8Array(crypto.randomBytes(8)).buffer;
    if (this.mode === 'wrong-imprint')
      req.messageImprint.hashedMessage = new OctetString(crypto.randomBytes(32));
    const id = crypto.randomBytes(6).toString('hex');
    const q = path.join(this.dir, `${id}.tsq`);
    const r = path.join(this.dir, `${id}.tsr`);
    fs.writeFileSync(q, Buffer.from(AsnConvert.serialize(req)));
    try {
      await openssl(['ts', '-reply', '-config', 'tsa.cnf', '-queryfile', q, '-out', r], this.dir);
      return fs.readFileSync(r);
    } finally {
      fs.rmSync(q, { force: true });
      fs.rmSync(r, { force: true });
    }
  }
}
