import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { LlmSettings } from '@docent/config';
import { TextAnalyzer } from '@docent/documents';
import { ANSWER_GENERATOR, type AnswerGenerator } from '../chat.contracts';
import { ExtractiveGenerator } from './extractive.generator';
import { OpenAiGenerator } from './openai.generator';

/**
 * Provides `ANSWER_GENERATOR`: the generator `LLM_PROVIDER` names (`extractive` by default,
 * `openai` for any OpenAI-compatible chat-completions endpoint). Needs the app's global
 * ConfigModule and MikroORM (the extractive generator stems with PostgreSQL).
 */
@Module({
  providers: [
    TextAnalyzer,
    {
      provide: ANSWER_GENERATOR,
      inject: [ConfigService, TextAnalyzer],
      useFactory: (config: ConfigService, analyzer: TextAnalyzer): AnswerGenerator => {
        const llm = config.getOrThrow<LlmSettings>('llm');
        return llm.provider === 'openai'
          ? new OpenAiGenerator(llm)
          : new ExtractiveGenerator(analyzer);
      },
    },
  ],
  exports: [ANSWER_GENERATOR],
})
export class GenerationModule {}
