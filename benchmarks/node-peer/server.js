// The Node socket.io peer of benchmarks/fanout_peers.py: clients `subscribe` to a room (the
// ack says {ok: true}), and POST /emit {room, event, payload} emits to it. socket.io's
// defaults otherwise (websocket compression off, ping every 25 s).
"use strict";
const http = require("http");
const { Server } = require("socket.io");

const port = Number(process.env.PORT || 5830);

const server = http.createServer((request, response) => {
  if (request.method === "GET" && request.url === "/healthz") {
    response.end("ok");
    return;
  }
  if (request.method !== "POST" || request.url !== "/emit") {
    response.writeHead(404).end();
    return;
  }
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const { room, event, payload } = JSON.parse(Buffer.concat(chunks).toString());
    io.to(room).emit(event, payload);
    response.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
  });
});

const io = new Server(server);
io.on("connection", (socket) => {
  socket.on("subscribe", (data, ack) => {
    socket.join(data.room);
    if (typeof ack === "function") ack({ ok: true, room: data.room, missed: [] });
  });
});

server.listen(port, "127.0.0.1");
