import { describe, expect, it } from 'vitest';
import type { RoleEndpoints } from './role-http.js';
import { formatPrometheus, isLoopbackHost, parseListen, routeRoleRequest } from './role-http.js';

const counter = { activations: 0 };

function endpoints(activate?: RoleEndpoints['activate']): RoleEndpoints {
  const e: RoleEndpoints = {
    role: activate ? 'standby' : 'sidecar',
    healthy: () => true,
    status: () => ({ ok: 1 }),
    metrics: () => [
      { name: 'm_total', help: 'a "help"\nline', type: 'counter', samples: [{ value: 3 }] },
    ],
  };
  if (activate)
    e.activate = () => {
      counter.activations++;
      return activate();
    };
  return e;
}

const open = { apiKey: null, loopbackOnly: true };

describe('routeRoleRequest', () => {
  it('serves health, status and metrics to GET only', () => {
    const e = endpoints();
    expect(routeRoleRequest({ method: 'GET', path: '/healthz' }, e, open).status).toBe(200);
    expect(routeRoleRequest({ method: 'POST', path: '/healthz' }, e, open).status).toBe(405);
    expect(
      JSON.parse(routeRoleRequest({ method: 'GET', path: '/status?x=1' }, e, open).body),
    ).toEqual({ ok: 1 });
    const m = routeRoleRequest({ method: 'GET', path: '/metrics' }, e, open);
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(
      m.body.startsWith('# HELP m_total a "help"\\nline\n# TYPE m_total counter\nm_total 3\n'),
    ).toBe(true);
    expect(m.body).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(m.body).toMatch(/^process_cpu_seconds_total [\d.]+$/m);
    expect(routeRoleRequest({ method: 'GET', path: '/nope' }, e, open).status).toBe(404);
    expect(
      routeRoleRequest({ method: 'GET', path: '/healthz' }, { ...e, healthy: () => false }, open)
        .status,
    ).toBe(503);
  });

  it('guards POST /activate: 404 on a sidecar, key when configured, refused off loopback without one', () => {
    expect(routeRoleRequest({ method: 'POST', path: '/activate' }, endpoints(), open).status).toBe(
      404,
    );
    const yes = endpoints(() => ({ accepted: true, state: 'activating' }));
    expect(routeRoleRequest({ method: 'POST', path: '/activate' }, yes, open).status).toBe(202);
    const keyed = { apiKey: 'k'.repeat(20), loopbackOnly: false };
    expect(routeRoleRequest({ method: 'POST', path: '/activate' }, yes, keyed).status).toBe(401);
    expect(
      routeRoleRequest(
        { method: 'POST', path: '/activate', authorization: 'Bearer wrong' },
        yes,
        keyed,
      ).status,
    ).toBe(401);
    expect(
      routeRoleRequest(
        { method: 'POST', path: '/activate', authorization: `Bearer ${'k'.repeat(20)}` },
        yes,
        keyed,
      ).status,
    ).toBe(202);
    const offLoopback = routeRoleRequest({ method: 'POST', path: '/activate' }, yes, {
      apiKey: null,
      loopbackOnly: false,
    });
    expect(offLoopback.status).toBe(403);
    expect(counter.activations).toBe(2);
    const no = endpoints(() => ({
      accepted: false,
      reason: 'cannot activate: stopped',
      state: 'stopped',
    }));
    const refused = routeRoleRequest({ method: 'POST', path: '/activate' }, no, open);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toEqual({
      message: 'cannot activate: stopped',
      error_code: 'InvalidTransition',
      details: null,
    });
  });
});

describe('listen addresses and metrics text', () => {
  it('parses HOST:PORT, PORT and [v6]:PORT, refuses the rest', () => {
    expect(parseListen('9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListen('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    for (const bad of ['', 'x', '1:2:3', '99999', 'a b:1'])
      expect(() => parseListen(bad)).toThrow();
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
  });
  it('escapes label values', () => {
    expect(
      formatPrometheus([
        {
          name: 'g',
          help: 'h',
          type: 'gauge',
          samples: [{ labels: { uuid: 'a"b\\c' }, value: NaN }],
        },
      ]),
    ).toBe('# HELP g h\n# TYPE g gauge\ng{uuid="a\\"b\\\\c"} NaN\n');
  });
});
