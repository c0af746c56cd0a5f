// One leader per key: in a process the first caller, across instances the holder of the
// kv lock; followers learn which kind they are, and a kv that fails makes every caller lead.
import { describe, expect, it } from 'vitest';
import { LeaderElection } from '../../src/kv/leader-election.js';
import { MemoryStore } from '../../src/kv/memory.js';
import { KvUnavailableError } from '../../src/kv/types.js';

/** A store whose lock calls fail, as a Redis that is down. */
class DownStore extends MemoryStore {
  override async setIfAbsent(): Promise<boolean> {
    throw new KvUnavailableError('redis not connected');
  }
}

describe('LeaderElection', () => {
  it('makes the first caller of a process the leader and the others its followers, until it resigns', async () => {
    const kv = new MemoryStore();
    const election = new LeaderElection<string>(kv, 'test', 60_000);
    const [first, second] = await Promise.all([election.elect('k', () => 'state of first'), election.elect('k', () => 'state of second')]);
    expect(first).toMatchObject({ role: 'leader', state: 'state of first' });
    expect(second).toEqual({ role: 'local-follower', state: 'state of first' });
    expect(await kv.get('lead:test:k')).not.toBeNull();
    expect(await election.held('k')).toBe(true);
    if (first.role === 'leader') first.resign();
    expect(await election.held('k')).toBe(false);
    expect((await election.elect('k', () => 'next')).role).toBe('leader');
  });

  it('makes a caller of another instance a remote follower while the lock is held, and keeps kinds apart', async () => {
    const kv = new MemoryStore(); // shared by both "instances"
    const a = new LeaderElection<string>(kv, 'stream', 60_000);
    const b = new LeaderElection<string>(kv, 'stream', 60_000);
    const leader = await a.elect('k', () => 'a');
    expect(leader.role).toBe('leader');
    expect(await b.elect('k', () => 'b')).toEqual({ role: 'remote-follower' });
    expect((await new LeaderElection<string>(kv, 'completion', 60_000).elect('k', () => 'c')).role).toBe('leader');
    if (leader.role === 'leader') leader.resign();
    expect((await b.elect('k', () => 'b')).role).toBe('leader');
  });

  it('reads the result key with the lock: a stored result means no work, and a leader writes it as it resigns', async () => {
    const kv = new MemoryStore();
    const election = new LeaderElection<string>(kv, 'test', 60_000);
    const leader = await election.elect('k', () => 'working', 'result:k');
    expect(leader.role).toBe('leader');
    expect(await new LeaderElection<string>(kv, 'test', 60_000).elect('k', () => 'x', 'result:k')).toEqual({ role: 'remote-follower' });
    if (leader.role === 'leader') await leader.resignWriting('result:k', 'done', 60);
    expect(await election.held('k')).toBe(false);
    expect(await election.elect('k', () => 'again', 'result:k')).toEqual({ role: 'found', value: 'done' });
  });

  it('lets a lock whose holder vanished expire', async () => {
    const clock = { t: 0 };
    const kv = new MemoryStore(1000, () => clock.t);
    await new LeaderElection<string>(kv, 'test', 500).elect('k', () => 'gone'); // never resigns
    const other = new LeaderElection<string>(kv, 'test', 500);
    expect((await other.elect('k', () => 'x')).role).toBe('remote-follower');
    clock.t += 500;
    expect((await other.elect('k', () => 'x')).role).toBe('leader');
  });

  it('lets every instance lead while the kv is down', async () => {
    const kv = new DownStore();
    const a = await new LeaderElection<string>(kv, 'test', 60_000).elect('k', () => 'a');
    const b = await new LeaderElection<string>(kv, 'test', 60_000).elect('k', () => 'b');
    expect([a.role, b.role]).toEqual(['leader', 'leader']);
  });
});
