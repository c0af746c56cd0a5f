// A reason the gateway cannot start that whoever starts it can fix (port taken, database
// unreachable, data folder not writable): `npm start` prints it as one line, with the fix, and
// exits non-zero, without a stack trace.
export class StartupError extends Error {
  constructor(problem: string, fix: string, options?: { cause?: unknown }) {
    super(`${problem}: ${fix}`, options);
    this.name = 'StartupError';
  }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a file is in the way of a folder',
  EEXIST: 'a file is in the way of a folder',
  ENOSPC: 'no space left on the device',
};

/** A short reason for a system or driver error: its code in words, or the first line of its message. */
export function reasonOf(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code && REASONS[code]) return REASONS[code];
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0]!.trim() : '';
  return (message || code || String(error)).slice(0, 200);
}

/** What a failed listen means for whoever starts the gateway; other errors are returned as they are. */
export function listenFailure(error: unknown, host: string, port: number): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') return new StartupError(`Port ${port} is already in use (${where})`, 'stop the program that listens on it, or set PORT to a free port', { cause: error });
  if (code === 'EACCES') return new StartupError(`Not allowed to listen on port ${port} (${where})`, 'set PORT to a port above 1023, or start the gateway with the privilege to bind it', { cause: error });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new StartupError(`Cannot listen on ${where}: the address is not one of this machine's`, 'set HOST to an address of this machine (0.0.0.0 for all of them)', { cause: error });
  return error;
}
