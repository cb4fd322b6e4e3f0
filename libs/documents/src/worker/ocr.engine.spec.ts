import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Registry } from 'prom-client';
import { loadConfig } from '@docent/config';
import { scannedPdf } from '../ingestion/test-pdf';
import { extractInChild } from './extract-in-child';
import { IngestionMetrics } from './ingestion.metrics';
import { OcrEngine } from './ocr.engine';

/** An engine started (onModuleInit) with these OCR_* variables, and its metrics registry. */
async function engineWith(env: Record<string, string>) {
  const registry = new Registry();
  const engine = new OcrEngine(new ConfigService(loadConfig(env)), new IngestionMetrics(registry));
  await engine.onModuleInit();
  return { engine, registry };
}

describe('OcrEngine (start-up decision and one document)', () => {
  let warnings: string[];

  beforeEach(() => {
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('OCR_ENABLED=true without a language installed refuses to start, naming it', async () => {
    await expect(engineWith({ OCR_ENABLED: 'true', OCR_LANGUAGES: 'eng+zzz' })).rejects.toThrow(
      /^OCR_ENABLED=true, but OCR cannot run: Tesseract has no data for zzz/,
    );
  });

  it('auto without a language installed is off, with one warning', async () => {
    const { engine } = await engineWith({ OCR_LANGUAGES: 'zzz' });
    expect(engine.enabled).toBe(false);
    expect(engine.runner('document=x')).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/^OCR is off: Tesseract has no data for zzz/)]);
  });

  it('false is off without looking for the programs', async () => {
    const { engine } = await engineWith({ OCR_ENABLED: 'false' });
    expect(engine.enabled).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('auto with the programs installed reads a scan and counts its pages', async () => {
    const { engine, registry } = await engineWith({});
    expect(engine.enabled).toBe(true);
    const scan = await scannedPdf([['Counted by the metrics']]);
    const result = await extractInChild(scan, 'pdf', {
      inProcess: true,
      ocr: engine.runner('document=spec'),
    });
    expect(result.pages).toEqual([{ page: 1, text: 'Counted by the metrics' }]);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/^ingestion_ocr_pages_total\{outcome="text"\} 1$/m);
    expect(metrics).toMatch(/^ingestion_ocr_page_duration_seconds_count 1$/m);
  }, 60_000);
});
