import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed body when it is JSON (problem details included), else undefined. */
  body: Record<string, unknown> | undefined;
}

export interface RawRequest {
  method: string;
  /** Sent byte for byte: no normalisation of dot segments, slashes or percent-encoding. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/**
 * HTTP requests exactly as written (supertest and fetch normalise some paths), against an app
 * listening on a real port; one keep-alive agent so thousands of requests reuse a few sockets.
 */
export class RawHttp {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });

  private constructor(private readonly port: number) {}

  static async listen(app: NestFastifyApplication): Promise<RawHttp> {
    await app.listen(0, '127.0.0.1');
    return new RawHttp((app.getHttpServer().address() as AddressInfo).port);
  }

  send({ method, path, headers = {}, body }: RawRequest): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: {
            ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
            ...headers,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Record<string, unknown> | undefined;
            if (/json/.test(String(response.headers['content-type']))) {
              try {
                parsed = JSON.parse(text) as Record<string, unknown>;
              } catch {
                parsed = undefined;
              }
            }
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              text,
              body: parsed,
            });
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      if (body !== undefined) request.write(body);
      request.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
