// Starts test/mock-upstream/main.ts with a listen backlog of 4096 instead of Node's 511:
// a thousand streams opened through the gateway in one second are up to a thousand new
// gateway->mock connections, and an overflowing accept queue would show up as 1 s and 3 s
// SYN retransmits in the time to first chunk: a limit of the test rig, not of the gateway.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
  if (typeof args[0] === 'number' && typeof args[1] === 'string') {
    const [port, host, ...rest] = args;
    return listen.call(this, { port, host, backlog: 4096 }, ...(rest as [() => void]));
  }
  return (listen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof net.Server.prototype.listen;

await import('../../test/mock-upstream/main.js');
