import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../../bench/report/html-report.js';
import { benchResult, protocolResult } from '../fixture.js';

const page = { script: '', style: '' };

describe('the HTML report of an interrupted run', () => {
  it('says it is partial', () => {
    const partial = renderHtmlReport(benchResult([protocolResult('ws')], { partial: true, passed: false }), page);
    expect(partial).toContain('data-testid="partial"');
    const whole = renderHtmlReport(benchResult([protocolResult('ws')]), page);
    expect(whole).not.toContain('data-testid="partial"');
  });
});
