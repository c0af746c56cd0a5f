// The analytics dashboard page: public static files (the data behind them needs
// a token, which the page gets by signing in). Chart.js is served from
// node_modules so the page needs nothing from the internet.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Route } from '../rest/router.js';

const here = dirname(fileURLToPath(import.meta.url));
const chartJsDir = dirname(createRequire(import.meta.url).resolve('chart.js'));

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

interface Asset {
  path: string;
  file: string;
  type: string;
}

const assets: Asset[] = [
  { path: '/dashboard', file: join(here, 'dashboard.html'), type: 'text/html; charset=utf-8' },
  { path: '/dashboard/app.js', file: join(here, 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
  { path: '/dashboard/app.css', file: join(here, 'dashboard.css'), type: 'text/css; charset=utf-8' },
  { path: '/dashboard/assets/chart.umd.js', file: join(chartJsDir, 'chart.umd.min.js'), type: 'text/javascript; charset=utf-8' },
];

function serve(asset: Asset): Route {
  let body: Buffer | undefined; // read on first use, then kept
  return {
    method: 'GET',
    path: asset.path,
    access: 'public',
    handler({ res }) {
      body ??= readFileSync(asset.file);
      res.writeHead(200, {
        'content-type': asset.type,
        'content-length': body.length,
        'cache-control': 'no-cache',
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
      });
      res.end(body);
      return undefined;
    },
  };
}

export const dashboardRoutes: Route[] = assets.map(serve);
