// JSON-RPC 2.0 client over Tonearm's WebSocket (/mopidy/ws), with events
// and reconnection with a doubling delay, as mopidy.js does.

export class Rpc {
  constructor(url) {
    this.url = url;
    this.nextId = 1;
    this.pending = new Map();
    this.handlers = new Map();
    this.delay = 1000;
    this.socket = null;
    this.closed = false;
  }

  on(name, handler) {
    if (!this.handlers.has(name)) this.handlers.set(name, []);
    this.handlers.get(name).push(handler);
  }

  emit(name, payload) {
    for (const handler of this.handlers.get(name) || []) handler(payload);
  }

  connect() {
    this.closed = false;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.delay = 1000;
      this.emit('state', 'online');
    });
    socket.addEventListener('message', (message) => this.receive(message.data));
    socket.addEventListener('close', () => {
      for (const { reject } of this.pending.values()) reject(new Error('connection closed'));
      this.pending.clear();
      this.emit('state', 'offline');
      if (this.closed) return;
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 64000);
    });
  }

  close() {
    this.closed = true;
    if (this.socket) this.socket.close();
  }

  receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (message.event) {
      this.emit('event:' + message.event, message);
      this.emit('event', message);
      return;
    }
    const call = this.pending.get(message.id);
    if (!call) return;
    this.pending.delete(message.id);
    if (message.error) {
      const data = message.error.data || {};
      call.reject(new Error(data.message || message.error.message));
    } else {
      call.resolve(message.result);
    }
  }

  call(method, params = {}) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Error('not connected'));
    }
    const id = this.nextId++;
    const request = { jsonrpc: '2.0', id, method, params };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify(request));
    });
  }
}
