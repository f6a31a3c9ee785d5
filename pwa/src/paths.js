// Path patterns like '/cases/:id' compiled to matchers. Pure: used by the router and its tests.
export function compile(pattern) {
  if (pattern === '*') return () => ({});
  const names = [];
  const source = pattern
    .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\/:(\w+)/g, (_, name) => { names.push(name); return '/([^/]+)'; });
  const re = new RegExp(`^${source}/?$`);
  return (pathname) => {
    const m = re.exec(pathname);
    if (!m) return null;
    return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
  };
}

/** First route whose path matches, with its params: {route, params} or null. */
export function matchRoute(routes, pathname) {
  for (const route of routes) {
    route.match ||= compile(route.path);
    const params = route.match(pathname);
    if (params) return { route, params };
  }
  return null;
}
