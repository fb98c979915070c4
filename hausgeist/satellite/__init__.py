"""The device side: how a satellite talks to the server and behaves when it is overloaded."""
