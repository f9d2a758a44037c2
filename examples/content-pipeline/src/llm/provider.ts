/**
 * The LLM provider interface the pipeline depends on, and a deterministic fake that
 * behaves like one (latency grows with the output, token counts from the text,
 * occasional timeouts). Swap in a real client by implementing {@link LlmProvider}.
 */
export interface GenerationRequest {
  readonly model: string;
  readonly system: string;
  readonly prompt: string;
  readonly maxOutputTokens: number;
}

export interface Generation {
  readonly model: string;
  readonly text: string;
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number };
}

export interface LlmProvider {
  /** The `provider` label (`openai`, `anthropic`, ...). */
  readonly name: string;
  generate(request: GenerationRequest): Promise<Generation>;
}

export const LLM_PROVIDER = Symbol('LLM_PROVIDER');

/** Dollars per 1,000 tokens, from your contract (Glassbox ships no prices). */
export const PRICES = {
  'gpt-4o': { inputPer1k: 0.0025, outputPer1k: 0.01 },
  'gpt-4o-mini': { inputPer1k: 0.00015, outputPer1k: 0.0006 },
} as const;
export const MODELS = Object.keys(PRICES) as (keyof typeof PRICES)[];

/** The provider timed out (a failed generation). */
export class ProviderTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

export class FakeLlmProvider implements LlmProvider {
  readonly name = 'openai';
  constructor(private readonly speed = 1) {}

  async generate(request: GenerationRequest): Promise<Generation> {
    const h = hash(request.model + request.prompt);
    const outputTokens = Math.min(request.maxOutputTokens, 40 + (h % 360));
    await new Promise((resolve) => setTimeout(resolve, (20 + outputTokens * 0.6) / this.speed));
    if (request.prompt.includes('[provider-timeout]')) throw new ProviderTimeoutError('generation timed out');
    const text = `${request.prompt.slice(0, 80)} … (${outputTokens} tokens of ${request.model} output)`;
    return {
      model: request.model,
      text,
      usage: { inputTokens: tokens(request.system + request.prompt), outputTokens },
    };
  }
}

/** A deterministic quality score 0..1 for generated content (stands in for a judge model's verdict). */
export function qcScore(text: string, topic: string): number {
  if (/guaranteed returns|miracle/i.test(topic)) return 0.2 + (hash(text) % 20) / 100;
  return Math.round((0.55 + (hash(text) % 45) / 100) * 100) / 100;
}
