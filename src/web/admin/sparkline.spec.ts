import { parseEvent } from './admin-api';
import { pushBounded, sparklinePoints } from './sparkline';

describe('sparkline', () => {
  it('scales to the highest value, newest on the right, zero at the bottom', () => {
    expect(sparklinePoints([0, 5, 10], 100, 22)).toBe('0,21 50,11 100,1');
  });

  it('starts at the right when fewer values than slots have come', () => {
    expect(sparklinePoints([2, 2], 100, 22, 5)).toBe('75,1 100,1');
  });

  it('draws a flat line at the bottom for an idle server, and nothing without values', () => {
    expect(sparklinePoints([0, 0], 10, 12)).toBe('0,11 10,11');
    expect(sparklinePoints([], 10, 12)).toBe('');
  });

  it('keeps the last values only', () => {
    const values = [1, 2, 3];
    pushBounded(values, 4, 3);
    expect(values).toEqual([2, 3, 4]);
  });
});

describe('server-sent event blocks', () => {
  it('reads the event name and joins data lines', () => {
    expect(parseEvent('id: 1\nevent: snapshot\ndata: {"a":\ndata: 1}')).toEqual({
      type: 'snapshot',
      data: '{"a":\n1}',
    });
    expect(parseEvent('data: x')).toEqual({ type: 'message', data: 'x' });
    expect(parseEvent(': a comment')).toBeNull();
  });
});
