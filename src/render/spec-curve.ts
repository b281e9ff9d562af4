/**
 * The specification curve of one metric across universes: the values sorted (ok ones in colour,
 * values of outputs that are not ok grey), and beneath them a dot matrix of each universe's
 * choices, one row per decision option. Drawn by Vega-Lite, rendered headless to SVG by Vega
 * (loaded only here: `lc results --plot`); an HTML file is a page holding that SVG, with no
 * script or network; a PNG is that SVG rasterised by resvg at twice its size.
 */
import type { ResultsTable } from '../../engine/results/table.js';

export interface CurvePoint {
  rank: number;
  universe: string;
  value: number;
  current: 'ok' | 'not ok';
}

/** The points of the curve: the rows with a number for `metric`, sorted by it. */
export function curvePoints(t: ResultsTable, metric: string): CurvePoint[] {
  return t.rows
    .flatMap((r) => {
      const v = r.values?.[metric];
      return typeof v === 'number' ? [{ universe: r.universe, value: v, current: r.state === 'ok' ? ('ok' as const) : ('not ok' as const) }] : [];
    })
    .sort((a, b) => a.value - b.value || (a.universe < b.universe ? -1 : 1))
    .map((p, i) => ({ rank: i + 1, ...p }));
}

/** The Vega-Lite spec: the curve over the choice matrix, sharing the rank axis. */
export function specCurveSpec(t: ResultsTable, metric: string): Record<string, unknown> {
  const points = curvePoints(t, metric);
  const byUniverse = new Map(t.rows.map((r) => [r.universe, r.choices]));
  const choices = points.flatMap((p) => t.decisions.map((d) => ({ rank: p.rank, universe: p.universe, choice: `${d}: ${byUniverse.get(p.universe)?.[d] ?? '-'}`, current: p.current })));
  const x = { field: 'rank', type: 'quantitative', title: 'universes, by value', axis: { tickMinStep: 1 }, scale: { domain: [0.5, points.length + 0.5], nice: false } };
  const color = { field: 'current', type: 'nominal', title: 'output', scale: { domain: ['ok', 'not ok'], range: ['#1f77b4', '#bbbbbb'] } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${t.output}: ${metric} across ${points.length} universes`,
    vconcat: [
      {
        width: 640,
        height: 260,
        data: { values: points },
        mark: { type: 'point', filled: true },
        encoding: { x, y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } }, color, tooltip: [{ field: 'universe' }, { field: 'value' }] },
      },
      {
        width: 640,
        data: { values: choices },
        mark: { type: 'point', filled: true, size: 30 },
        encoding: { x, y: { field: 'choice', type: 'nominal', title: null }, color },
      },
    ],
  };
}

/** The curve as SVG (Vega, headless). */
export async function specCurveSvg(t: ResultsTable, metric: string): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vl.compile(specCurveSpec(t, metric) as never).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A page holding the SVG: opens anywhere, offline. */
export function specCurveHtml(svg: string, title: string): string {
  const esc = title.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc}</title></head>\n<body style="font-family: sans-serif">\n${svg}\n</body></html>\n`;
}

/** The SVG as a PNG (resvg: no native canvas, system fonts), twice its size for sharp text. */
export async function specCurvePng(svg: string): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  return new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true } }).render().asPng();
}
