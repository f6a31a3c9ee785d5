// A very small router for the service worker: the first route whose test matches answers.
// Non-GET and cross-origin requests are never touched: the browser handles them as usual.
export class Router {
  constructor() {
    this.routes = [];
  }

  /** test({url, request}) -> boolean; handler({url, request, event}) -> Promise<Response> */
  add(test, handler) {
    this.routes.push({ test, handler });
    return this;
  }

  handle(event) {
    const { request } = event;
    if (request.method !== 'GET') return;
    const url = new URL(request.url);
    if (url.origin !== self.location.origin) return;
    const route = this.routes.find((r) => r.test({ url, request }));
    if (route) event.respondWith(route.handler({ url, request, event }));
  }
}
