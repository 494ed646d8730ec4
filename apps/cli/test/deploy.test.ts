// The deployment examples (deploy/kubernetes, deploy/systemd) parsed and checked for the fields the
// setup relies on; there is no cluster and no running systemd here (see their READMEs for what was
// and was not run). Commands and flags are checked against the CLI's own --help, so a renamed
// flag breaks this test rather than a pod.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { derivePipelineSystemName } from '../src/index.js';
import { runCli } from './support/run-cli.js';

const ROOT = fileURLToPath(new URL('../../../deploy/', import.meta.url));
const K8S = join(ROOT, 'kubernetes');
const SYSTEMD = join(ROOT, 'systemd');

type Obj = Record<string, unknown>;
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
  volumeMounts?: { name: string; mountPath: string }[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: unknown;
}
interface PodSpec {
  initContainers?: Container[];
  containers: Container[];
  volumes?: { name: string; configMap?: { name: string }; emptyDir?: unknown }[];
  terminationGracePeriodSeconds?: number;
}

async function manifests(): Promise<Obj[]> {
  const out: Obj[] = [];
  for (const file of (await readdir(K8S)).filter((f) => f.endsWith('.yaml')).sort()) {
    const text = await readFile(join(K8S, file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      expect(doc.errors, `${file}: ${doc.errors.map((e) => e.message).join('; ')}`).toEqual([]);
      const value = doc.toJS() as Obj | null;
      if (value) out.push({ ...value, __file: file });
    }
  }
  return out;
}

const byKind = (all: Obj[], kind: string): Obj[] => all.filter((o) => o.kind === kind);
const named = (all: Obj[], kind: string, name: string): Obj => {
  const hit = byKind(all, kind).find((o) => (o.metadata as Obj).name === name);
  if (!hit) throw new Error(`no ${kind} ${name}`);
  return hit;
};
const podOf = (set: Obj): PodSpec => ((set.spec as Obj).template as { spec: PodSpec }).spec;

/** `--flag value` pairs of an argument list. */
function flagValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

const helpCache = new Map<string, string>();
/** Fails unless `args[0]` is a CLI command whose --help lists every `--flag` in `args`. */
async function expectCliAccepts(args: readonly string[], where: string): Promise<void> {
  const command = args[0]!;
  let help = helpCache.get(command);
  if (help === undefined) {
    const r = await runCli([command, '--help']);
    expect(r.code, `${where}: ${command} --help`).toBe(0);
    help = r.stdout;
    helpCache.set(command, help);
  }
  for (const flag of args.filter((a) => a.startsWith('--')))
    expect(help, `${where}: ${command} has no ${flag}`).toMatch(new RegExp(`\\s${flag}[ ,<]`));
}

const SECRET_ENV = {
  FELDERA_SYNC_ACCESS_KEY: 'access_key',
  FELDERA_SYNC_SECRET_KEY: 'secret_key',
} as const;

function expectSecretEnv(c: Container, secret: Obj, where: string): void {
  const data = (secret.stringData ?? secret.data) as Obj;
  for (const [name, key] of Object.entries(SECRET_ENV)) {
    const e = c.env?.find((x) => x.name === name);
    expect(e?.value, `${where}: ${name} must not be inline`).toBeUndefined();
    expect(e?.valueFrom?.secretKeyRef, `${where}: ${name}`).toEqual({
      name: (secret.metadata as Obj).name,
      key,
    });
    expect(Object.keys(data), `${where}: secret key ${key}`).toContain(key);
  }
}

describe('deploy/kubernetes', () => {
  it('parses into the expected objects, and kustomization lists every manifest', async () => {
    const all = await manifests();
    const names = (kind: string) => byKind(all, kind).map((o) => String((o.metadata as Obj).name));
    expect(names('Secret')).toEqual(['feldera-sync-s3']);
    expect(names('ConfigMap')).toEqual(['feldera-sync-config']);
    expect(names('StatefulSet').sort()).toEqual(['orders-a', 'orders-b']);
    expect(names('Service').sort()).toEqual(['orders-a-sync', 'orders-b-sync']);
    const k = byKind(all, 'Kustomization')[0]!;
    const files = (await readdir(K8S)).filter(
      (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml',
    );
    expect([...(k.resources as string[])].sort()).toEqual(files.sort());
    for (const o of all) {
      expect(typeof o.apiVersion, String(o.__file)).toBe('string');
      expect(typeof o.kind, String(o.__file)).toBe('string');
    }
  });

  it('the configs pass `config check` and hold no secrets; the standby pulls the bucket the primary pushes to', async () => {
    const all = await manifests();
    const data = named(all, 'ConfigMap', 'feldera-sync-config').data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(['orders-a.json', 'orders-b.json']);
    const dir = await mkdtemp(join(tmpdir(), 'deploy-config-'));
    try {
      const parsed: Record<string, Obj> = {};
      for (const [file, text] of Object.entries(data)) {
        await writeFile(join(dir, file), text);
        const r = await runCli(['config', 'check', join(dir, file)]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.stdout + r.stderr, file).not.toMatch(/warning/);
        parsed[file] = JSON.parse(text) as Obj;
        expect(parsed[file], file).not.toHaveProperty('access_key');
        expect(parsed[file], file).not.toHaveProperty('secret_key');
      }
      const a = parsed['orders-a.json']!;
      const b = parsed['orders-b.json']!;
      expect(b.bucket).toBe(a.bucket);
      expect(b.endpoint).toBe(a.endpoint);
      expect(b.start_from_checkpoint).toBeDefined();
      expect(a.name).not.toBe(b.name);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('primary: restore before the pipeline, sidecar beside it, one storage volume, keys from the Secret, probes on /healthz', async () => {
    const all = await manifests();
    const secret = named(all, 'Secret', 'feldera-sync-s3');
    const set = named(all, 'StatefulSet', 'orders-a');
    const pod = podOf(set);
    expect(pod.initContainers?.map((c) => c.name)).toEqual(['restore']);
    expect(pod.containers.map((c) => c.name)).toEqual(['pipeline', 'sidecar']);
    const restore = pod.initContainers![0]!;
    const sidecar = pod.containers[1]!;
    expect(restore.args![0]).toBe('restore');
    expect(sidecar.args![0]).toBe('sidecar');
    for (const c of [restore, sidecar]) {
      await expectCliAccepts(c.args!, `orders-a/${c.name}`);
      expectSecretEnv(c, secret, `orders-a/${c.name}`);
      expect(flagValue(c.args!, '--config')).toBe('/etc/feldera-sync/orders-a.json');
    }
    const storageMounts = [restore, ...pod.containers].map(
      (c) => c.volumeMounts?.find((m) => m.name === 'storage')?.mountPath,
    );
    expect(new Set(storageMounts)).toEqual(new Set(['/storage']));
    expect(flagValue(restore.args!, '--storage')).toBe('/storage');
    expect(flagValue(sidecar.args!, '--storage')).toBe('/storage');
    const claims = (set.spec as Obj).volumeClaimTemplates as { metadata: { name: string } }[];
    expect(claims.map((c) => c.metadata.name)).toEqual(['storage']);
    const config = pod.volumes?.find((v) => v.name === 'config');
    expect(config?.configMap?.name).toBe('feldera-sync-config');
    // Probes reach the sidecar's --listen port, on all interfaces (the kubelet calls the pod IP).
    const listen = flagValue(sidecar.args!, '--listen')!;
    expect(listen).toMatch(/^0\.0\.0\.0:\d+$/);
    const port = sidecar.ports?.find((p) => p.name === 'sync-metrics');
    expect(port?.containerPort).toBe(Number(listen.split(':')[1]));
    for (const probe of [sidecar.livenessProbe, sidecar.readinessProbe])
      expect(probe?.httpGet).toEqual({ path: '/healthz', port: 'sync-metrics' });
    // The pod's grace period covers the sidecar's.
    expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(
      Number(flagValue(sidecar.args!, '--grace-ms')),
    );
  });

  it('standby: the standby init container, then pipeline and sidecar as the same identity, different from the primary', async () => {
    const all = await manifests();
    const secret = named(all, 'Secret', 'feldera-sync-s3');
    const pod = podOf(named(all, 'StatefulSet', 'orders-b'));
    expect(pod.initContainers?.map((c) => c.name)).toEqual(['standby']);
    expect(pod.containers.map((c) => c.name)).toEqual(['pipeline', 'sidecar']);
    const standby = pod.initContainers![0]!;
    const sidecar = pod.containers[1]!;
    expect(standby.args![0]).toBe('standby');
    expect(sidecar.args![0]).toBe('sidecar');
    for (const c of [standby, sidecar]) {
      await expectCliAccepts(c.args!, `orders-b/${c.name}`);
      expectSecretEnv(c, secret, `orders-b/${c.name}`);
      expect(flagValue(c.args!, '--storage')).toBe('/storage');
    }
    // Kubernetes refuses probes on (non-sidecar) init containers.
    for (const c of pod.initContainers!) {
      expect(c.livenessProbe).toBeUndefined();
      expect(c.readinessProbe).toBeUndefined();
      expect(c.startupProbe).toBeUndefined();
    }
    // Without an API key, POST /activate only answers on loopback (port-forward).
    expect(flagValue(standby.args!, '--listen')).toMatch(/^127\.0\.0\.1:\d+$/);
    const trigger = flagValue(standby.args!, '--activate-file')!;
    const mount = standby.volumeMounts?.find((m) => trigger.startsWith(`${m.mountPath}/`));
    expect(pod.volumes?.find((v) => v.name === mount?.name)?.emptyDir).toBeDefined();
    // The standby takes the bucket over as the identity its sidecar then pushes as.
    const data = named(all, 'ConfigMap', 'feldera-sync-config').data as Record<string, string>;
    const nameIn = (args: string[]) => {
      const file = flagValue(args, '--config')!.split('/').at(-1)!;
      return (JSON.parse(data[file]!) as { name: string }).name;
    };
    const primarySidecar = podOf(named(all, 'StatefulSet', 'orders-a')).containers[1]!;
    expect(nameIn(standby.args!)).toBe(nameIn(sidecar.args!));
    expect(derivePipelineSystemName(nameIn(standby.args!))).not.toBe(
      derivePipelineSystemName(nameIn(primarySidecar.args!)),
    );
  });

  it('kubectl kustomize renders the set (when kubectl is installed)', async () => {
    const out = await new Promise<{ code: number; stdout: string; stderr: string } | null>(
      (resolve) =>
        execFile('kubectl', ['kustomize', K8S], (error, stdout, stderr) => {
          if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') resolve(null);
          else resolve({ code: error ? 1 : 0, stdout, stderr });
        }),
    );
    if (out === null) {
      // An optional validator, not an integration dependency: say it was not run.
      console.warn('kubectl is not installed: `kubectl kustomize deploy/kubernetes` was not run');
      return;
    }
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.match(/^kind: /gm)).toHaveLength(6);
  });
});

/** A unit file as sections of key -> values (repeated keys accumulate). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    expect(kv, `not a key=value line: ${line}`).not.toBeNull();
    expect(current, `key outside a section: ${line}`).not.toBeNull();
    const values = current!.get(kv![1]!) ?? [];
    values.push(kv![2]!);
    current!.set(kv![1]!, values);
  }
  return sections;
}

describe('deploy/systemd', () => {
  const units = ['restore', 'sidecar', 'standby'] as const;

  it('each role unit runs its CLI command with flags the CLI has, keys only from EnvironmentFile', async () => {
    for (const role of units) {
      const file = `feldera-sync-${role}@.service`;
      const unit = parseUnit(await readFile(join(SYSTEMD, file), 'utf8'));
      const service = unit.get('Service')!;
      const exec = service.get('ExecStart')![0]!.split(/\s+/);
      expect(exec[0]).toBe('/usr/local/bin/feldera-sync');
      expect(exec[1]).toBe(role);
      await expectCliAccepts(exec.slice(1), file);
      expect(flagValue(exec, '--storage')).toBe('/var/lib/feldera/%i');
      expect(flagValue(exec, '--config')).toBe('/etc/feldera-sync/%i.json');
      expect(service.get('EnvironmentFile')).toEqual(['/etc/feldera-sync/%i.env']);
      for (const env of service.get('Environment') ?? [])
        expect(env, `${file}: keys only from EnvironmentFile`).not.toMatch(
          /FELDERA_SYNC_(ACCESS|SECRET)_KEY/,
        );
      expect(exec.join(' ')).not.toMatch(/key|secret/i);
      expect(service.get('ReadWritePaths')).toEqual(['/var/lib/feldera/%i']);
    }
  });

  it('orders the roles around the pipeline: restore and standby before it (oneshot), the sidecar bound to it', async () => {
    const get = async (role: string) =>
      parseUnit(await readFile(join(SYSTEMD, `feldera-sync-${role}@.service`), 'utf8'));
    for (const role of ['restore', 'standby']) {
      const u = await get(role);
      expect(u.get('Unit')!.get('Before')).toEqual(['feldera-pipeline@%i.service']);
      expect(u.get('Service')!.get('Type')).toEqual(['oneshot']);
      expect(u.get('Install')!.get('RequiredBy')).toEqual(['feldera-pipeline@%i.service']);
    }
    expect((await get('standby')).get('Service')!.get('TimeoutStartSec')).toEqual(['infinity']);
    const sidecar = await get('sidecar');
    expect(sidecar.get('Unit')!.get('BindsTo')).toEqual(['feldera-pipeline@%i.service']);
    expect(sidecar.get('Unit')!.get('After')![0]).toContain('feldera-pipeline@%i.service');
    const exec = sidecar.get('Service')!.get('ExecStart')![0]!.split(/\s+/);
    expect(Number(sidecar.get('Service')!.get('TimeoutStopSec')![0]) * 1000).toBeGreaterThan(
      Number(flagValue(exec, '--grace-ms')),
    );
    const standbyExec = (await get('standby')).get('Service')!.get('ExecStart')![0]!.split(/\s+/);
    expect(flagValue(standbyExec, '--activate-file')).toMatch(/^\/run\/feldera-sync\//);
    expect(flagValue(standbyExec, '--listen')).toMatch(/^127\.0\.0\.1:/);
    const pipeline = parseUnit(await readFile(join(SYSTEMD, 'feldera-pipeline@.service'), 'utf8'));
    expect(pipeline.get('Unit')!.get('After')![0]).toMatch(
      /feldera-sync-restore@%i\.service feldera-sync-standby@%i\.service/,
    );
  });

  it('systemd-analyze verify finds nothing but the binaries missing on this machine', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deploy-systemd-'));
    try {
      const names: string[] = [];
      for (const file of (await readdir(SYSTEMD)).filter((f) => f.endsWith('@.service'))) {
        await copyFile(join(SYSTEMD, file), join(dir, file));
        const instance = file.replace('@.service', '@orders.service');
        await symlink(file, join(dir, instance));
        names.push(join(dir, instance));
      }
      const out = await new Promise<{ missing: boolean; stderr: string }>((resolve) =>
        execFile('systemd-analyze', ['verify', '--man=no', ...names], (error, _stdout, stderr) =>
          resolve({
            missing: (error as NodeJS.ErrnoException | null)?.code === 'ENOENT',
            stderr,
          }),
        ),
      );
      if (out.missing) {
        console.warn('systemd-analyze is not installed: the units were not verified by systemd');
        return;
      }
      const complaints = out.stderr
        .split('\n')
        .filter((l) => l.trim() !== '')
        .filter((l) => !/Command \/usr\/local\/bin\/\S+ is not executable/.test(l));
      expect(complaints).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
