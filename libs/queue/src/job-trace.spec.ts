import {
  context,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type SpanContext,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { contextOf, traceCarrier } from './job-trace';

const parent: SpanContext = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
};

describe('trace context in job data', () => {
  describe('with a W3C propagator (tracing on)', () => {
    beforeAll(() => propagation.setGlobalPropagator(new W3CTraceContextPropagator()));
    afterAll(() => propagation.disable());

    it('carries the active span as traceparent', () => {
      const active = trace.setSpanContext(ROOT_CONTEXT, parent);
      expect(traceCarrier(active)).toEqual({
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      });
    });

    it('carries nothing outside a trace', () => {
      expect(traceCarrier(ROOT_CONTEXT)).toBeUndefined();
      expect(traceCarrier(context.active())).toBeUndefined();
    });

    it('continues the carried trace in the worker', () => {
      const carrier = traceCarrier(trace.setSpanContext(ROOT_CONTEXT, parent));
      // the job data went through JSON in Redis
      const continued = trace.getSpanContext(contextOf(JSON.parse(JSON.stringify(carrier))));
      expect(continued).toMatchObject({
        traceId: parent.traceId,
        spanId: parent.spanId,
        isRemote: true,
      });
    });

    it('starts afresh from data that carries no usable context', () => {
      for (const carrier of [
        undefined,
        null,
        'x',
        42,
        {},
        { traceparent: 7 },
        { traceparent: 'garbage' },
      ]) {
        expect(trace.getSpanContext(contextOf(carrier))).toBeUndefined();
      }
    });
  });

  describe('without an SDK (tracing off)', () => {
    it('adds nothing to job data', () => {
      expect(traceCarrier(trace.setSpanContext(ROOT_CONTEXT, parent))).toBeUndefined();
    });
  });
});
