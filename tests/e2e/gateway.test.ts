/**
 * Issue 15: the county edge gateway (infra/gateway/) with real processes only, each in its own network namespace
 * (tests/e2e/gateway/net.ts): the county LAN (a "county PACS" Orthanc, dcmtk's storescu as the CT scanner), the
 * gateway (Debian's Orthanc configured by infra/gateway/render-config.sh, its Lua forwarder driven by tick.sh) and
 * the city (the platform). The corpus CT series (../shared/dicom-corpus/generated/ct_series) is pushed to the
 * gateway in two halves; the WAN (slowed by tc) is cut while the gateway is sending the second half to the platform,
 * the gateway restarted while it is down, the link restored: the county doctor's study picker then lists exactly the pushed SOP instances, none lost, none twice.
 * A prior is found (C-FIND) and moved (C-MOVE) from the PACS through the gateway with infra/gateway/priors.sh.
 * An AE title not in the gateway's list is refused. Needs root (ip netns) and Orthanc + dcmtk (infra/system-deps.sh).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, apiLogin, ARTIFACTS, CORPUS_DIR, type ApiUser } from './harness';
import { createNetwork, NET, removeNetwork, runIn, wan, wanRate } from './gateway/net';
import {
  GATEWAY_DIR,
  ORTHANC_DICOMWEB,
  orthanc,
  startOrthanc,
  startPlatform,
  startTicker,
  until,
  type Proc,
} from './gateway/procs';

const SERIES = path.join(CORPUS_DIR, 'generated/ct_series');
const SLICES = Array.from({ length: 10 }, (_x, i) => path.join(SERIES, `slice_${i + 1}.dcm`));
const PRIOR = [1, 2, 3].map((i) => path.join(SERIES, `ct_${i}.dcm`));
const GATEWAY_AET = 'LANKAO_GW';
const PACS_AET = 'COUNTY_PACS';

const tag = (file: string, t: string) =>
  /\[([^\]]*)\]/.exec(execFileSync('dcmdump', ['+P', t, file]).toString())![1]!;
const sopOf = (f: string) => tag(f, '0008,0018');
const studyOf = (f: string) => tag(f, '0020,000d');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-gateway-'));
const gwDir = path.join(work, 'gateway');
const gwAuth = path.join(gwDir, 'curl-local.conf');
const procs: Record<string, Proc | undefined> = {};

let city = '';
let doctor: ApiUser;

/** The study as the county doctor's study picker shows it: SOP Instance UIDs (with repeats, if any) or null. */
async function pickerSops(studyUid: string): Promise<string[] | null> {
  const list = await apiCall(city, doctor, 'GET', '/api/imaging/studies?limit=500');
  expect(list.status).toBe(200);
  const s = (list.json as { id: string; studyInstanceUid: string }[]).find(
    (x) => x.studyInstanceUid === studyUid,
  );
  if (!s) return null;
  const detail = await apiCall(city, doctor, 'GET', `/api/imaging/studies/${s.id}`);
  expect(detail.status).toBe(200);
  const series = detail.json.series as { instances: { sopInstanceUid: string }[] }[];
  return series.flatMap((x) => x.instances.map((i) => i.sopInstanceUid)).sort();
}

const gw = (method: string, url: string, body?: string) =>
  orthanc(NET.gateway.ns, method, url, { auth: gwAuth, body });
const gwStatus = async () =>
  JSON.parse(/\{.*\}\s*$/s.exec(await gw('POST', '/tools/execute-script', 'GatewayStatus()'))![0]) as {
    queued: string[] | Record<string, never>;
    attempts: Record<string, number>;
    failures: number;
    lastProblem: string;
    tokensFetched: number;
    tokenValidForSeconds: number;
  };
const startGateway = async () => (procs.gateway = await startOrthanc(NET.gateway.ns, gwDir, gwAuth)); // the folder, as Debian's unit passes /etc/orthanc
const storescu = (aet: string, files: string[]) =>
  runIn(NET.county.ns, 'storescu', ['-aet', aet, '-aec', GATEWAY_AET, NET.gateway.lanIp, '4242', ...files]);

describe('county edge gateway (Orthanc, store-and-forward over a WAN that drops)', () => {
  beforeAll(async () => {
    createNetwork();
    procs.city = await startPlatform(NET.city.ns, path.join(work, 'platform'), {
      OAUTH_TOKEN_TTL_SECONDS: '30',
    });
    city = `http://${NET.city.mgmtIp}:3000`;
    const program = await apiLogin(city, 'program');
    doctor = await apiLogin(city, 'lankao.doctor');
    const created = await apiCall(city, program, 'POST', '/api/service-clients', {
      name: 'Lankao county gateway',
      hospitalId: doctor.hospitalId,
      permissions: ['studies:upload'],
    });
    expect(created.status).toBe(201);

    // The gateway, configured as install.sh does (only the folder and the short test timings differ).
    execFileSync('bash', [path.join(GATEWAY_DIR, 'render-config.sh'), gwDir], {
      env: {
        ...process.env,
        PLATFORM_URL: `http://${NET.city.wanIp}:3000`,
        CLIENT_ID: created.json.client.id,
        CLIENT_SECRET: created.json.clientSecret,
        GATEWAY_AET,
        MODALITIES: `CTSCAN@${NET.county.lanIp}`,
        PACS: `${PACS_AET}@${NET.county.lanIp}:4242`,
        STORAGE_DIR: path.join(work, 'gateway-db'),
        STABLE_AGE: '2',
        RETRY_BASE_SECONDS: '1',
        RETRY_MAX_SECONDS: '3',
        HTTP_TIMEOUT: '15',
      },
      stdio: 'pipe',
    });
    await startGateway();
    procs.ticker = startTicker(NET.gateway.ns, gwDir, 1);

    // The county PACS: a plain Orthanc on the LAN that knows the gateway as a C-MOVE destination.
    const pacsConfig = path.join(work, 'pacs.json');
    fs.writeFileSync(
      pacsConfig,
      JSON.stringify({
        Name: 'county PACS',
        DicomAet: PACS_AET,
        DicomPort: 4242,
        HttpPort: 8042,
        StorageDirectory: path.join(work, 'pacs-db'),
        IndexDirectory: path.join(work, 'pacs-db'),
        Plugins: [ORTHANC_DICOMWEB],
        DicomModalities: { gateway: [GATEWAY_AET, NET.gateway.lanIp, 4242] },
      }),
    );
    procs.pacs = await startOrthanc(NET.county.ns, pacsConfig);
    const seeded = await runIn(NET.county.ns, 'storescu', [
      '-aet',
      'ARCHIVE',
      '-aec',
      PACS_AET,
      '127.0.0.1',
      '4242',
      ...PRIOR,
    ]);
    expect(seeded.code, seeded.out).toBe(0);
  }, 300_000);

  afterAll(async () => {
    // What each process printed, for a failed run: tests/artifacts/gateway-<process>.log
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const name of ['ticker', 'gatewayBeforeRestart', 'gateway', 'pacs', 'city']) {
      await procs[name]?.stop();
      if (procs[name]) fs.writeFileSync(path.join(ARTIFACTS, `gateway-${name}.log`), procs[name]!.output());
    }
    removeNetwork();
    fs.rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it('answers C-ECHO from a listed modality and refuses an AE title it does not list, or from another host', async () => {
    const echo = await runIn(NET.county.ns, 'echoscu', [
      '-aet',
      'CTSCAN',
      '-aec',
      GATEWAY_AET,
      NET.gateway.lanIp,
      '4242',
    ]);
    expect(echo.code, echo.out).toBe(0);
    const intruder = await storescu('INTRUDER', SLICES.slice(0, 1));
    expect(intruder.code).not.toBe(0);
    expect(intruder.out).toMatch(/Calling AE Title Not Recognized/i);
    // A listed AE title from a host it is not listed with (here: the gateway's own LAN address).
    const spoof = await runIn(NET.gateway.ns, 'storescu', [
      '-aet',
      'CTSCAN',
      '-aec',
      GATEWAY_AET,
      NET.gateway.lanIp,
      '4242',
      SLICES[0]!,
    ]);
    expect(spoof.code).not.toBe(0);
    expect(JSON.parse(await gw('GET', '/instances'))).toEqual([]);
  });

  it('forwards a pushed series; a WAN cut and a gateway restart lose nothing and duplicate nothing', async () => {
    const study = studyOf(SLICES[0]!);
    const all = SLICES.map(sopOf).sort();
    const first = await storescu('CTSCAN', SLICES.slice(0, 5));
    expect(first.code, first.out).toBe(0);
    // The study picker lists the first half once the gateway saw the study stable and sent it.
    expect(
      await until(
        'the first half on the platform',
        90_000,
        async () => (await pickerSops(study))?.length === 5,
      ),
    ).toBe(true);

    // A slow WAN, so that the gateway is still sending the second half when the link goes down.
    wanRate('400kbit');
    const second = await storescu('CTSCAN', SLICES.slice(5));
    expect(second.code, second.out).toBe(0);
    // At most 8 of 10 stored: two instances (~78 kB) still to leave the gateway at 50 kB/s, more than tbf queues.
    await until('the second half partly on the platform', 60_000, async () => {
      const n = (await pickerSops(study))?.length ?? 0;
      return n > 5 && n <= 8;
    });
    wan(false);
    const [orthancId] = JSON.parse(await gw('POST', '/tools/lookup', study)) as { ID: string }[];
    // Stable again, queued, at least one attempt failed (the WAN is down).
    await until('the study queued after a failed attempt', 60_000, async () => {
      const meta = await gw('GET', `/studies/${orthancId!.ID}/metadata/PlatformForward`);
      return meta === 'queued' && (await gwStatus()).failures > 0;
    });
    expect((await gwStatus()).lastProblem).toMatch(/unreachable/);
    // What crossed before the cut (the attempt failed, so the platform has handled all it received).
    const partial = (await pickerSops(study))!.length;
    expect(partial).toBeGreaterThan(5);
    expect(partial).toBeLessThan(10);

    await procs.gateway!.stop();
    procs.gatewayBeforeRestart = procs.gateway;
    await startGateway();
    const after = await gwStatus();
    expect(after.queued).toEqual([orthancId!.ID]); // the queue survived the restart (Orthanc's index)
    expect(await pickerSops(study)).toHaveLength(partial);
    // The LAN side is unaffected: the modality's C-ECHO is answered while the WAN is down.
    expect(
      (
        await runIn(NET.county.ns, 'echoscu', [
          '-aet',
          'CTSCAN',
          '-aec',
          GATEWAY_AET,
          NET.gateway.lanIp,
          '4242',
        ])
      ).code,
    ).toBe(0);

    wanRate(null);
    wan(true);
    const sops = await until('the whole series on the platform', 90_000, async () => {
      const s = await pickerSops(study);
      return s?.length === 10 ? s : undefined;
    });
    expect(sops).toEqual(all);
    expect(new Set(sops).size).toBe(10);
    await until('the gateway to mark the study sent', 30_000, async () =>
      /^sent /.test(await gw('GET', `/studies/${orthancId!.ID}/metadata/PlatformForward`)),
    );
    expect(Object.keys((await gwStatus()).queued)).toHaveLength(0);
  });

  it('finds a prior on the county PACS (C-FIND), moves it through the gateway (C-MOVE), and forwards it with a fresh token once the old one expired', async () => {
    // The platform's tokens live 30 s here: wait until the gateway's last one has expired.
    const before = await until('the gateway token to expire', 90_000, async () => {
      const s = await gwStatus();
      return s.tokensFetched > 0 && s.tokenValidForSeconds === 0 ? s : undefined;
    });
    const r = await runIn(NET.gateway.ns, 'bash', [path.join(GATEWAY_DIR, 'priors.sh'), gwDir, 'SYN001']);
    expect(r.code, r.out).toBe(0);
    const study = studyOf(PRIOR[0]!);
    expect(r.out).toContain(study);
    expect(r.out).toContain('priors: 1 study(ies) moved');
    const sops = await until('the prior on the platform', 90_000, async () => {
      const s = await pickerSops(study);
      return s?.length === 3 ? s : undefined;
    });
    expect(sops).toEqual(PRIOR.map(sopOf).sort());
    expect((await gwStatus()).tokensFetched).toBeGreaterThan(before.tokensFetched);
  });

  it('keeps retrying a study the platform refuses, without holding up the studies behind it', async () => {
    const dir = path.join(work, 'modified');
    fs.mkdirSync(dir);
    // A new study reusing an instance's SOP Instance UID with other bytes: the platform refuses it (409 conflict).
    const refused = path.join(dir, 'refused.dcm');
    fs.copyFileSync(SLICES[0]!, refused);
    execFileSync('dcmodify', ['-nb', '-gst', '-gse', refused]);
    const fresh = path.join(dir, 'fresh.dcm');
    fs.copyFileSync(SLICES[1]!, fresh);
    execFileSync('dcmodify', ['-nb', '-gst', '-gse', '-gin', fresh]);

    expect((await storescu('CTSCAN', [refused])).code).toBe(0);
    const [refusedId] = JSON.parse(await gw('POST', '/tools/lookup', studyOf(refused))) as { ID: string }[];
    await until(
      'a failed attempt at the refused study',
      60_000,
      async () => (await gwStatus()).attempts[refusedId!.ID]! >= 1,
    );
    expect((await storescu('CTSCAN', [fresh])).code).toBe(0);
    expect(
      await until('the next study on the platform', 60_000, async () => {
        const s = await pickerSops(studyOf(fresh));
        return s?.length === 1 ? s : undefined;
      }),
    ).toEqual([sopOf(fresh)]);
    await until(
      'the refused study retried after it',
      60_000,
      async () => (await gwStatus()).attempts[refusedId!.ID]! >= 2,
    );
    const status = await gwStatus();
    expect(status.queued).toEqual([refusedId!.ID]);
    expect(status.lastProblem).toContain(refusedId!.ID);
    expect(await pickerSops(studyOf(refused))).toBeNull();
  });
});

describe('infra/gateway/install.sh (dry run under DESTDIR)', () => {
  const install = (dest: string, args: string[], env: Record<string, string> = {}) => {
    try {
      const out = execFileSync('bash', [path.join(GATEWAY_DIR, 'install.sh'), ...args], {
        env: { ...process.env, DESTDIR: dest, ...env },
        stdio: 'pipe',
      });
      return { code: 0, out: out.toString() };
    } catch (e) {
      const err = e as { status: number; stdout: Buffer; stderr: Buffer };
      return { code: err.status, out: `${err.stdout.toString()}${err.stderr.toString()}` };
    }
  };
  const good = [
    '--platform-url=https://consult.example.org',
    '--client-id=0c6f8a4e-1111-4222-8333-944455556666',
    '--aet=LANKAO_GW',
    '--modalities=CT1@192.0.2.21, MR1@192.0.2.22:11112',
    '--pacs=PACS@192.0.2.30:104',
  ];

  it('writes one Orthanc configuration from a few settings, keeps Debian’s files aside, and keeps its local password', () => {
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-gateway-install-'));
    try {
      fs.mkdirSync(path.join(dest, 'etc/orthanc'), { recursive: true });
      fs.writeFileSync(path.join(dest, 'etc/orthanc/credentials.json'), '{"RegisteredUsers": {}}');
      const r = install(dest, good, { CLIENT_SECRET: 'secret "with" quotes' });
      expect(r.code, r.out).toBe(0);
      const conf = JSON.parse(fs.readFileSync(path.join(dest, 'etc/orthanc/orthanc.json'), 'utf8'));
      expect(fs.existsSync(path.join(dest, 'etc/orthanc/debian-defaults/credentials.json'))).toBe(true);
      expect(conf.DicomAet).toBe('LANKAO_GW');
      expect(conf.DicomAlwaysAllowStore).toBe(false);
      expect(conf.RemoteAccessAllowed).toBe(false);
      expect(Object.values(conf.DicomModalities).map((m) => (m as { AET: string }).AET)).toEqual([
        'CT1',
        'MR1',
        'PACS',
      ]);
      expect(conf.ConsultGateway.ClientSecret).toBe('secret "with" quotes');
      expect(conf.DicomWeb.Servers.platform.Url).toBe('https://consult.example.org/dicomweb/');
      const creds = fs.readFileSync(path.join(dest, 'etc/orthanc/curl-local.conf'), 'utf8');
      expect(install(dest, good, { CLIENT_SECRET: 'x' }).code).toBe(0);
      expect(fs.readFileSync(path.join(dest, 'etc/orthanc/curl-local.conf'), 'utf8')).toBe(creds);
      expect(
        fs.readFileSync(path.join(dest, 'etc/systemd/system/consult-gateway-tick.service'), 'utf8'),
      ).toMatch(/ExecStart=\/usr\/local\/sbin\/consult-gateway-tick \/etc\/orthanc 5/);
    } finally {
      fs.rmSync(dest, { recursive: true, force: true });
    }
  });

  it('refuses a malformed setting with a message naming it, and writes nothing', () => {
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-gateway-install-'));
    try {
      const cases: [string[], RegExp][] = [
        [good.map((a) => (a.startsWith('--modalities') ? '--modalities=CT1' : a)), /'CT1' is not AET@host/],
        [good.map((a) => (a.startsWith('--aet') ? '--aet=WAY_TOO_LONG_AE_TITLE' : a)), /GATEWAY_AET must be/],
        [
          good.map((a) => (a.startsWith('--platform-url') ? '--platform-url=ftp://x' : a)),
          /PLATFORM_URL must be/,
        ],
        [[...good, '--pacs=PACS@192.0.2.30:99999'], /port of PACS@192.0.2.30:99999/],
        [[...good, '--colour=blue'], /unknown option --colour=blue/],
        [good, /CLIENT_SECRET is required/],
      ];
      for (const [args, message] of cases) {
        const r = install(dest, args, args === good ? {} : { CLIENT_SECRET: 'x' });
        expect(r.code, r.out).toBe(2);
        expect(r.out).toMatch(message);
        expect(fs.existsSync(path.join(dest, 'etc/orthanc/orthanc.json'))).toBe(false);
      }
    } finally {
      fs.rmSync(dest, { recursive: true, force: true });
    }
  });
});
