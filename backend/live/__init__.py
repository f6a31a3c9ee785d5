"""Live updates over Socket.IO: rooms, replay on subscribe, and publishing after commit."""
