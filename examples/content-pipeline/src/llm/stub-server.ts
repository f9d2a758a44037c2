/**
 * A local HTTP server standing in for the LLM provider, so the example runs without an
 * account: it answers the OpenAI-compatible `POST /v1/chat/completions` with the
 * deterministic fake of provider.ts (latency grows with the output; a prompt containing
 * `[provider-timeout]` gets 504). main.ts starts it on 127.0.0.1 when `LLM_BASE_URL` is
 * not set; set `LLM_BASE_URL` (and `LLM_API_KEY`) to call a real provider instead.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeLlmProvider, ProviderTimeoutError } from './provider.js';

export interface StubProvider {
  /** Base URL of the API, e.g. `http://127.0.0.1:40123/v1`. */
  readonly url: string;
  close(): Promise<void>;
}

interface ChatRequest {
  model?: unknown;
  max_tokens?: unknown;
  messages?: { role?: unknown; content?: unknown }[];
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function answer(fake: FakeLlmProvider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions')
    return send(res, 404, { error: 'not found' });
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
  const text = (role: string) =>
    (body.messages ?? [])
      .filter((m) => m.role === role)
      .map((m) => String(m.content))
      .join('\n');
  try {
    const generation = await fake.generate({
      model: String(body.model),
      system: text('system'),
      prompt: text('user'),
      maxOutputTokens: Number(body.max_tokens ?? 256),
    });
    send(res, 200, {
      object: 'chat.completion',
      model: generation.model,
      choices: [
        { index: 0, message: { role: 'assistant', content: generation.text }, finish_reason: 'stop' },
      ],
      usage: {
        prompt_tokens: generation.usage.inputTokens,
        completion_tokens: generation.usage.outputTokens,
        total_tokens: generation.usage.inputTokens + generation.usage.outputTokens,
      },
    });
  } catch (error) {
    if (error instanceof ProviderTimeoutError) return send(res, 504, { error: { message: error.message } });
    throw error;
  }
}

/** Starts the stand-in provider on `host` (a free port unless `port` is given). */
export async function startStubProvider(host = '127.0.0.1', port = 0): Promise<StubProvider> {
  const fake = new FakeLlmProvider();
  const server = createServer((req, res) => {
    answer(fake, req, res).catch(() => {
      if (!res.headersSent) send(res, 400, { error: { message: 'bad request' } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
