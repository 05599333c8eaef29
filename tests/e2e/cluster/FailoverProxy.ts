/**
 * What a load balancer in front of the nodes does, reduced to the test's needs: one public address; each TCP
 * connection goes to the node its browser prefers (a marker in the User-Agent, `consult-node=<name>`, read from
 * the first request's headers) while that node accepts connections, and to another node otherwise. A node that
 * dies closes its connections; the browser's reconnects then land on a survivor.
 */
import net from 'node:net';

export interface Upstream {
  name: string;
  host: string;
  port: number;
}

export class FailoverProxy {
  readonly #server: net.Server;
  readonly #upstreams: Upstream[];
  readonly #sockets = new Set<net.Socket>();
  /** Connections sent to each node, by name. */
  readonly connections: Record<string, number> = {};
  port = 0;

  constructor(upstreams: Upstream[]) {
    this.#upstreams = upstreams;
    this.#server = net.createServer((client) => this.#accept(client));
  }

  async listen(host: string): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, host, resolve));
    this.port = (this.#server.address() as net.AddressInfo).port;
  }

  #track(s: net.Socket): void {
    this.#sockets.add(s);
    s.once('close', () => this.#sockets.delete(s));
  }

  #accept(client: net.Socket): void {
    this.#track(client);
    let head = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      head = Buffer.concat([head, d]);
      if (!head.includes('\r\n\r\n') && head.length < 16_384) return;
      client.off('data', onData);
      client.pause();
      const wanted = /consult-node=(\w+)/.exec(head.toString('latin1'))?.[1];
      const order = [...this.#upstreams].sort(
        (x, y) => Number(y.name === wanted) - Number(x.name === wanted),
      );
      void this.#connect(order).then((up) => {
        if (!up) return client.destroy();
        this.#track(up);
        const name = (up as net.Socket & { upstream?: string }).upstream!;
        this.connections[name] = (this.connections[name] ?? 0) + 1;
        up.write(head);
        client.pipe(up);
        up.pipe(client);
        client.resume();
        const end = () => {
          client.destroy();
          up.destroy();
        };
        client.once('close', end);
        up.once('close', end);
        client.on('error', end);
        up.on('error', end);
      });
    };
    client.on('data', onData);
    client.on('error', () => client.destroy());
  }

  async #connect(order: Upstream[]): Promise<net.Socket | null> {
    for (const u of order) {
      const s = await new Promise<net.Socket | null>((resolve) => {
        const sock = net.connect({ host: u.host, port: u.port });
        const timer = setTimeout(() => {
          sock.destroy();
          resolve(null);
        }, 1000);
        sock.once('connect', () => {
          clearTimeout(timer);
          (sock as net.Socket & { upstream?: string }).upstream = u.name;
          resolve(sock);
        });
        sock.once('error', () => {
          clearTimeout(timer);
          resolve(null);
        });
      });
      if (s) return s;
    }
    return null;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
