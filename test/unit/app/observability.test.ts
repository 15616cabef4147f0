import { describe, expect, it } from 'vitest';
import { observabilitySettings } from '../../../app/observability.js';

describe('observability settings', () => {
  it('metrics off by default; --metrics or DREAMGATE_METRICS_ADDRESS; tracing behind DREAMGATE_TRACING or --tracing', () => {
    expect(observabilitySettings({}, {})).toEqual({ tracing: false });
    expect(observabilitySettings({}, { DREAMGATE_METRICS_ADDRESS: '0.0.0.0:9464', DREAMGATE_TRACING: '1' })).toEqual({
      metrics: '0.0.0.0:9464',
      tracing: true,
    });
    expect(observabilitySettings({ metrics: '127.0.0.1:9500', tracing: true }, {})).toEqual({
      metrics: '127.0.0.1:9500',
      tracing: true,
    });
    expect(() => observabilitySettings({ metrics: '9464' }, {})).toThrow(/^--metrics: "9464" is not host:port/);
    expect(() => observabilitySettings({}, { DREAMGATE_METRICS_ADDRESS: 'http://x:1/metrics' })).toThrow(
      /^DREAMGATE_METRICS_ADDRESS: /,
    );
    expect(() => observabilitySettings({}, { DREAMGATE_TRACING: 'yes' })).toThrow(
      /^DREAMGATE_TRACING: "yes" is not 1 or 0/,
    );
  });
});
