import { ConfigError, loadConfig, loadTracingConfig } from './config';

describe('tracing settings', () => {
  it('are off without an OTLP endpoint, with parent-based 0.01 for moves as the default sampling', () => {
    expect(loadConfig({}).tracing).toEqual({ enabled: false, serviceName: 'myroom', moveRatio: 0.01 });
    expect(loadTracingConfig({}).tracing.enabled).toBe(false);
  });

  it('are on with OTEL_EXPORTER_OTLP_ENDPOINT (or the traces-only endpoint), unless the SDK is disabled', () => {
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' }).tracing.enabled).toBe(true);
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://j:4318/v1/traces' }).tracing.enabled).toBe(
      true,
    );
    const disabled = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_SDK_DISABLED: 'true' };
    expect(loadTracingConfig(disabled).tracing.enabled).toBe(false);
  });

  it('take the move ratio, the service name and a standard sampler', () => {
    const c = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
      OTEL_SERVICE_NAME: 'rooms-eu',
      TRACING_MOVE_RATIO: '0.5',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
    }).tracing;
    expect(c).toEqual({ enabled: true, serviceName: 'rooms-eu', moveRatio: 0.5, sampler: 'parentbased_traceidratio' });
  });

  it('refuse bad values, naming each', () => {
    const bad = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318',
      TRACING_MOVE_RATIO: '2',
      OTEL_TRACES_SAMPLER: 'sometimes',
    };
    for (const load of [() => loadConfig(bad), () => loadTracingConfig(bad)]) {
      expect(load).toThrow(ConfigError);
      try {
        load();
      } catch (err) {
        const problems = (err as ConfigError).problems.join('\n');
        for (const name of Object.keys(bad)) expect(problems).toContain(name);
      }
    }
  });

  it('tell a forking primary apart (WORKERS)', () => {
    expect(loadTracingConfig({ WORKERS: '3' }).workers).toBe(3);
  });
});
