/**
 * An {@link LlmProvider} over HTTP: the OpenAI-compatible chat completions API
 * (`POST <baseUrl>/chat/completions`), called with `fetch`. The requests it makes are
 * the process's outbound HTTP, recorded by `instrumentHttpClient` (see main.ts).
 */
import {
  type Generation,
  type GenerationRequest,
  type LlmProvider,
  ProviderTimeoutError,
} from './provider.js';

interface ChatCompletion {
  readonly model: string;
  readonly choices: readonly { readonly message: { readonly content: string } }[];
  readonly usage: { readonly prompt_tokens: number; readonly completion_tokens: number };
}

export class HttpLlmProvider implements LlmProvider {
  readonly name = 'openai';

  /** `baseUrl`: e.g. `https://api.openai.com/v1`; `timeoutMs`: per generation. */
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey = 'none',
    private readonly timeoutMs = 30_000,
  ) {}

  async generate(request: GenerationRequest): Promise<Generation> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl.replace(/\/$/, '')}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}` },
        body: JSON.stringify({
          model: request.model,
          max_tokens: request.maxOutputTokens,
          messages: [
            { role: 'system', content: request.system },
            { role: 'user', content: request.prompt },
          ],
        }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError')
        throw new ProviderTimeoutError('generation timed out');
      throw error;
    }
    if (res.status === 504 || res.status === 408) {
      await res.body?.cancel();
      throw new ProviderTimeoutError('generation timed out');
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`LLM provider answered ${res.status}`);
    }
    const completion = (await res.json()) as ChatCompletion;
    return {
      model: completion.model,
      text: completion.choices[0]?.message.content ?? '',
      usage: {
        inputTokens: completion.usage.prompt_tokens,
        outputTokens: completion.usage.completion_tokens,
      },
    };
  }
}
