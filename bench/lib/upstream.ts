// Starts the provider-like upstream (bench/lib/provider-upstream.ts) as its own process, by
// default on the load core beside the load generator.
import path from 'node:path';
import { LOAD_CPU, ROOT, baseEnv, freePort, spawnNode, waitForHttp, type Managed } from './proc.js';
import type { Framing, UpstreamCounters } from './provider-upstream.js';
import type { Mock } from './servers.js';

export interface UpstreamOptions {
  latencyMs?: number;
  jitterMs?: number;
  chunkMs?: number;
  tokens?: number;
  framing?: Framing;
  gzip?: boolean;
  cpu?: string;
}

export interface Upstream extends Mock {
  options: Required<Omit<UpstreamOptions, 'cpu'>>;
  /** What it has served so far, and its own CPU time. */
  counters(): Promise<UpstreamCounters & { cpuMs: number }>;
}

export async function startUpstream(o: UpstreamOptions = {}): Promise<Upstream> {
  const options = { latencyMs: 0, jitterMs: 0, chunkMs: 0, tokens: 40, framing: 'chunked' as Framing, gzip: true, ...o };
  const port = await freePort();
  const args = [
    '--import', 'tsx', path.join(ROOT, 'bench', 'lib', 'provider-upstream-main.ts'), '--port', String(port),
    '--latency-ms', String(options.latencyMs), '--jitter-ms', String(options.jitterMs), '--chunk-ms', String(options.chunkMs),
    '--tokens', String(options.tokens), '--framing', options.framing, ...(options.gzip ? [] : ['--no-gzip']),
  ];
  const proc: Managed = spawnNode({ name: 'provider-upstream', args, env: { ...baseEnv(), NODE_ENV: 'production' }, cpu: o.cpu ?? LOAD_CPU, cwd: ROOT });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/v1/models`, proc);
  delete (options as UpstreamOptions).cpu;
  return {
    proc,
    url,
    openai: `${url}/v1`,
    options,
    async counters() {
      const res = await fetch(`${url}/bench/counters`);
      return (await res.json()) as UpstreamCounters & { cpuMs: number };
    },
    stop: () => proc.stop(),
  };
}
