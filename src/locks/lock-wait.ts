import { ATTR, traced } from '../tracing/tracing';

/** Acquiring a room's lock, as a span of its own: a slow build or leave is often a wait here. */
export function lockWait<T>(roomId: string, acquire: () => Promise<T>): Promise<T> {
  return traced('lock wait', acquire, { child: true, attributes: () => ({ [ATTR.room]: roomId }) });
}
