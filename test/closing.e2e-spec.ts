import { Controller, Get, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createApiApp } from '../apps/api/src/bootstrap';
import { Public } from '@docent/common';
import { testConfig } from './support/config';
import { waitFor } from './support/http';

let release: () => void = () => undefined;
let entered = false;

@Public()
@Controller('hold')
class HoldController {
  @Get()
  async hold(): Promise<{ held: true }> {
    entered = true;
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    return { held: true };
  }
}

@Module({ controllers: [HoldController] })
class HoldModule {}

describe('requests that reach a closing instance', () => {
  let app: NestFastifyApplication;

  afterAll(async () => {
    release();
    await app?.close().catch(() => undefined);
  });

  it('answer 503 problem details with a request id and Connection: close', async () => {
    app = await createApiApp({ config: testConfig(), imports: [HoldModule] });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
    });
    socket.write('GET /api/v1/hold HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await waitFor(async () => entered, 5000, 10);
    // the Fastify instance starts closing (as on SIGTERM after the grace period) while the held
    // request keeps this connection busy, then a second request arrives on it
    const fastify = app.getHttpAdapter().getInstance();
    const closed = fastify.close();
    // the listener closes after the preClose hooks, so from here on the instance is closing
    await waitFor(async () => !app.getHttpServer().listening, 5000, 10);
    socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\nX-Request-Id: late-1\r\n\r\n');
    // let Node read the pipelined request while the first one still holds the connection
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await waitFor(async () => received.includes('shutting_down') || socket.destroyed, 5000, 20);
    socket.destroy();
    await closed;
    const second = received.slice(received.indexOf('HTTP/1.1', 10));
    expect(second).toMatch(/^HTTP\/1\.1 503/);
    expect(second).toMatch(/content-type: application\/problem\+json/i);
    expect(second).toMatch(/x-request-id: late-1/i);
    expect(second).toMatch(/connection: close/i);
    expect(second).toContain('"code":"shutting_down"');
  });
});
