// A small TraCI client: the binary TCP protocol through which a program steps a running SUMO and reads or changes
// its vehicles. Only what the fleet simulator needs is here (version, simulation step, vehicle ids and variables,
// adding routes and vehicles, close); encoding and decoding are pure functions so that they are unit-tested with
// byte fixtures.
//
// Follows the TraCI protocol description (https://sumo.dlr.de/docs/TraCI/Protocol.html): a message is a 4-byte
// big-endian total length followed by commands; a command is [length:ubyte][id:ubyte][content], or, when longer
// than 255 bytes, [0][length:int][id][content] (the length counts the length field itself). Every command gets a
// status response [len][id][result:ubyte][description:string]; GET commands are answered with response id
// = command id + 0x10, [variable][object id][type][value]. Data types: ubyte 0x07, byte 0x08, int 0x09,
// double 0x0B, string 0x0C (int length + UTF-8), string list 0x0E, compound 0x0F, 2D position 0x01.
// Command and variable ids from https://sumo.dlr.de/docs/TraCI/Vehicle_Value_Retrieval.html and
// https://sumo.dlr.de/docs/TraCI/Change_Vehicle_State.html.

import { Socket } from "node:net";
import { BaseError, EnvironmentError, TimeoutError } from "@amc/utils";

export const CMD_GETVERSION = 0x00;
export const CMD_SIMSTEP = 0x02;
export const CMD_CLOSE = 0x7f;
export const CMD_GET_VEHICLE_VARIABLE = 0xa4;
export const CMD_SET_VEHICLE_VARIABLE = 0xc4;
export const CMD_SET_ROUTE_VARIABLE = 0xc6;
export const RESPONSE_GET_VEHICLE_VARIABLE = 0xb4;

export const VAR_ID_LIST = 0x00;
export const VAR_SPEED = 0x40;
export const VAR_POSITION = 0x42;
export const VAR_ANGLE = 0x43;
export const VAR_ROAD_ID = 0x50;
export const VAR_ACCELERATION = 0x72;
export const VAR_ADD = 0x80;
export const VAR_ADD_FULL = 0x85;

export const TYPE_POSITION2D = 0x01;
export const TYPE_UBYTE = 0x07;
export const TYPE_BYTE = 0x08;
export const TYPE_INTEGER = 0x09;
export const TYPE_DOUBLE = 0x0b;
export const TYPE_STRING = 0x0c;
export const TYPE_STRINGLIST = 0x0e;
export const TYPE_COMPOUND = 0x0f;

export const RTYPE_OK = 0x00;
export const RTYPE_NOTIMPLEMENTED = 0x01;
export const RTYPE_ERR = 0xff;

/** SUMO answered a command with an error status, or sent bytes that do not follow the protocol. */
export class TraciError extends BaseError {
  override name = "TraciError";
}

/** A decoded TraCI value. */
export type TraciValue =
  | { type: "ubyte" | "byte" | "int" | "double"; value: number }
  | { type: "string"; value: string }
  | { type: "stringList"; value: string[] }
  | { type: "position2D"; value: [number, number] }
  | { type: "compound"; value: TraciValue[] };

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Big-endian byte writer that grows as needed. */
export class Writer {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  ubyte(v: number): this {
    this.ensure(1);
    this.view.setUint8(this.len, v);
    this.len += 1;
    return this;
  }

  byte(v: number): this {
    this.ensure(1);
    this.view.setInt8(this.len, v);
    this.len += 1;
    return this;
  }

  int(v: number): this {
    this.ensure(4);
    this.view.setInt32(this.len, v);
    this.len += 4;
    return this;
  }

  double(v: number): this {
    this.ensure(8);
    this.view.setFloat64(this.len, v);
    this.len += 8;
    return this;
  }

  string(s: string): this {
    const bytes = utf8.encode(s);
    this.int(bytes.length);
    return this.bytes(bytes);
  }

  stringList(list: readonly string[]): this {
    this.int(list.length);
    for (const s of list) this.string(s);
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Typed value: the type byte then the value. */
  typed(v: TraciValue): this {
    switch (v.type) {
      case "ubyte":
        return this.ubyte(TYPE_UBYTE).ubyte(v.value);
      case "byte":
        return this.ubyte(TYPE_BYTE).byte(v.value);
      case "int":
        return this.ubyte(TYPE_INTEGER).int(v.value);
      case "double":
        return this.ubyte(TYPE_DOUBLE).double(v.value);
      case "string":
        return this.ubyte(TYPE_STRING).string(v.value);
      case "stringList":
        return this.ubyte(TYPE_STRINGLIST).stringList(v.value);
      case "position2D":
        return this.ubyte(TYPE_POSITION2D).double(v.value[0]).double(v.value[1]);
      case "compound":
        this.ubyte(TYPE_COMPOUND).int(v.value.length);
        for (const item of v.value) this.typed(item);
        return this;
    }
  }

  toBytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Big-endian byte reader; throws TraciError when the data ends early. */
export class Reader {
  private readonly view: DataView;
  pos = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new TraciError(`truncated TraCI data: needed ${n} bytes at offset ${this.pos}, have ${this.remaining}`);
    }
  }

  ubyte(): number {
    this.need(1);
    return this.view.getUint8(this.pos++);
  }

  byte(): number {
    this.need(1);
    return this.view.getInt8(this.pos++);
  }

  int(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  string(): string {
    const n = this.int();
    if (n < 0) throw new TraciError(`negative TraCI string length ${n}`);
    this.need(n);
    const s = utf8Decoder.decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  stringList(): string[] {
    const n = this.int();
    if (n < 0) throw new TraciError(`negative TraCI list length ${n}`);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.string());
    return out;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** A type byte and the value it announces. */
  typed(): TraciValue {
    const type = this.ubyte();
    switch (type) {
      case TYPE_UBYTE:
        return { type: "ubyte", value: this.ubyte() };
      case TYPE_BYTE:
        return { type: "byte", value: this.byte() };
      case TYPE_INTEGER:
        return { type: "int", value: this.int() };
      case TYPE_DOUBLE:
        return { type: "double", value: this.double() };
      case TYPE_STRING:
        return { type: "string", value: this.string() };
      case TYPE_STRINGLIST:
        return { type: "stringList", value: this.stringList() };
      case TYPE_POSITION2D:
        return { type: "position2D", value: [this.double(), this.double()] };
      case TYPE_COMPOUND: {
        const n = this.int();
        const items: TraciValue[] = [];
        for (let i = 0; i < n; i++) items.push(this.typed());
        return { type: "compound", value: items };
      }
      default:
        throw new TraciError(`unsupported TraCI data type 0x${type.toString(16).padStart(2, "0")}`);
    }
  }
}

/** One command: its id and content (without the length field). */
export type TraciCommand = { id: number; content: Uint8Array };

/** Frames a command: short form when it fits in 255 bytes, else the extended form with an int length. */
export function encodeCommand(id: number, content: Uint8Array): Uint8Array {
  const short = 2 + content.length;
  if (short <= 255) return new Writer().ubyte(short).ubyte(id).bytes(content).toBytes();
  return new Writer()
    .ubyte(0)
    .int(6 + content.length)
    .ubyte(id)
    .bytes(content)
    .toBytes();
}

/** A message: the 4-byte total length and the framed commands. */
export function encodeMessage(commands: readonly Uint8Array[]): Uint8Array {
  const total = 4 + commands.reduce((s, c) => s + c.length, 0);
  const w = new Writer().int(total);
  for (const c of commands) w.bytes(c);
  return w.toBytes();
}

/** Reads one framed command from the reader. */
export function readCommand(r: Reader): TraciCommand {
  const start = r.pos;
  let len = r.ubyte();
  let header = 1;
  if (len === 0) {
    len = r.int();
    header = 5;
  }
  if (len < header + 1) throw new TraciError(`bad TraCI command length ${len} at offset ${start}`);
  const id = r.ubyte();
  const content = r.bytes(len - header - 1);
  return { id, content };
}

/** Status of one command: result code and SUMO's description. */
export type TraciStatus = { command: number; result: number; description: string };

export function decodeStatus(cmd: TraciCommand): TraciStatus {
  const r = new Reader(cmd.content);
  return { command: cmd.id, result: r.ubyte(), description: r.string() };
}

// ---- command builders (pure) ----

export function getVersionCommand(): Uint8Array {
  return encodeCommand(CMD_GETVERSION, new Uint8Array(0));
}

/** Advance to `targetTime` seconds; 0 means exactly one step. */
export function simStepCommand(targetTime = 0): Uint8Array {
  return encodeCommand(CMD_SIMSTEP, new Writer().double(targetTime).toBytes());
}

export function closeCommand(): Uint8Array {
  return encodeCommand(CMD_CLOSE, new Uint8Array(0));
}

export function getVehicleVariableCommand(variable: number, vehicleId: string): Uint8Array {
  return encodeCommand(CMD_GET_VEHICLE_VARIABLE, new Writer().ubyte(variable).string(vehicleId).toBytes());
}

export function addRouteCommand(routeId: string, edges: readonly string[]): Uint8Array {
  return encodeCommand(
    CMD_SET_ROUTE_VARIABLE,
    new Writer()
      .ubyte(VAR_ADD)
      .string(routeId)
      .typed({ type: "stringList", value: [...edges] })
      .toBytes(),
  );
}

export type AddVehicleParameters = {
  routeId: string;
  typeId?: string;
  /** "now" or seconds. */
  depart?: string;
  departLane?: string;
  departPos?: string;
  departSpeed?: string;
};

/** vehicle.add: compound of 12 strings and 2 ints (route, type, depart, lanes/positions/speeds, TAZ, line, persons). */
export function addVehicleCommand(vehicleId: string, p: AddVehicleParameters): Uint8Array {
  const s = (value: string): TraciValue => ({ type: "string", value });
  const items: TraciValue[] = [
    s(p.routeId),
    s(p.typeId ?? "DEFAULT_VEHTYPE"),
    s(p.depart ?? "now"),
    s(p.departLane ?? "first"),
    s(p.departPos ?? "base"),
    s(p.departSpeed ?? "0"),
    s("current"),
    s("max"),
    s("current"),
    s(""),
    s(""),
    s(""),
    { type: "int", value: 0 },
    { type: "int", value: 0 },
  ];
  return encodeCommand(
    CMD_SET_VEHICLE_VARIABLE,
    new Writer().ubyte(VAR_ADD_FULL).string(vehicleId).typed({ type: "compound", value: items }).toBytes(),
  );
}

/** A decoded GET response: variable, object id and value. */
export type VariableResponse = { variable: number; objectId: string; value: TraciValue };

export function decodeVariableResponse(cmd: TraciCommand, expectedId: number): VariableResponse {
  if (cmd.id !== expectedId) {
    throw new TraciError(
      `expected TraCI response 0x${expectedId.toString(16)}, got 0x${cmd.id.toString(16).padStart(2, "0")}`,
    );
  }
  const r = new Reader(cmd.content);
  return { variable: r.ubyte(), objectId: r.string(), value: r.typed() };
}

/**
 * Splits a response message body (without its 4-byte length) into the answers to `sent` commands: for each, its
 * status, then the commands that follow it (one result for GET and GETVERSION, the subscription results for a
 * simulation step). Throws TraciError on an error status.
 */
export function decodeResponses(
  body: Uint8Array,
  sent: readonly number[],
): { status: TraciStatus; results: TraciCommand[] }[] {
  const r = new Reader(body);
  const out: { status: TraciStatus; results: TraciCommand[] }[] = [];
  for (const id of sent) {
    const status = decodeStatus(readCommand(r));
    if (status.command !== id) {
      throw new TraciError(
        `TraCI status for command 0x${status.command.toString(16)} where 0x${id.toString(16)} was sent`,
      );
    }
    if (status.result !== RTYPE_OK) {
      throw new TraciError(`SUMO rejected TraCI command 0x${id.toString(16).padStart(2, "0")}: ${status.description}`, {
        details: status.result === RTYPE_NOTIMPLEMENTED ? "not implemented by this SUMO" : undefined,
      });
    }
    const results: TraciCommand[] = [];
    if (id === CMD_GETVERSION || (id >= 0xa0 && id <= 0xaf)) {
      results.push(readCommand(r));
    } else if (id === CMD_SIMSTEP) {
      const n = r.int();
      for (let i = 0; i < n; i++) results.push(readCommand(r));
    }
    out.push({ status, results });
  }
  return out;
}

function asNumber(v: TraciValue, what: string): number {
  if (v.type === "double" || v.type === "int" || v.type === "ubyte" || v.type === "byte") return v.value;
  throw new TraciError(`${what}: expected a number, got ${v.type}`);
}

/** Vehicle variables read every step. */
export type VehicleSnapshot = {
  id: string;
  x: number;
  y: number;
  speed: number;
  angle: number;
  acceleration: number;
  road: string;
};

/** A TraCI connection to one SUMO process; requests run one at a time. */
export class TraciClient {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiting: { resolve: (b: Uint8Array) => void; reject: (e: Error) => void } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on("data", (d: Buffer) => {
      this.chunks.push(d);
      this.buffered += d.length;
      this.deliver();
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      this.waiting?.reject(e);
      this.waiting = undefined;
    };
    socket.on("error", (e) => fail(new TraciError(`TraCI connection failed: ${e.message}`, { cause: e })));
    socket.on("close", () => fail(new TraciError("SUMO closed the TraCI connection")));
  }

  /** Connects to SUMO on `port`, retrying while it starts; `alive()` false stops the retries early. */
  static async connect(
    port: number,
    options: { host?: string; timeoutMs?: number; alive?: () => boolean } = {},
  ): Promise<TraciClient> {
    const host = options.host ?? "127.0.0.1";
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (options.alive && !options.alive()) break;
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = new Socket();
          s.once("connect", () => resolve(s));
          s.once("error", (e) => {
            s.destroy();
            reject(e);
          });
          s.connect(port, host);
        });
        return new TraciClient(socket);
      } catch (e) {
        lastError = e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (options.alive && !options.alive()) {
      throw new EnvironmentError(`SUMO exited before accepting a TraCI connection on port ${port}`, {
        cause: lastError,
      });
    }
    throw new TimeoutError(`could not connect to SUMO's TraCI port ${host}:${port}`, { cause: lastError });
  }

  private deliver(): void {
    if (!this.waiting || this.buffered < 4) return;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [all];
    const total = all.readUInt32BE(0);
    if (all.length < total) return;
    const body = new Uint8Array(all.subarray(4, total));
    const rest = all.subarray(total);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    const w = this.waiting;
    this.waiting = undefined;
    w.resolve(body);
  }

  /** Sends commands in one message and decodes the answers. */
  request(
    commands: readonly Uint8Array[],
    ids: readonly number[],
  ): Promise<{ status: TraciStatus; results: TraciCommand[] }[]> {
    const run = async () => {
      if (this.failure) throw this.failure;
      const body = await new Promise<Uint8Array>((resolve, reject) => {
        this.waiting = { resolve, reject };
        this.socket.write(encodeMessage(commands), (e) => {
          if (e) reject(new TraciError(`could not send to SUMO: ${e.message}`, { cause: e }));
        });
        this.deliver();
      });
      return decodeResponses(body, ids);
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async getVersion(): Promise<{ api: number; version: string }> {
    const [res] = await this.request([getVersionCommand()], [CMD_GETVERSION]);
    const cmd = res?.results[0];
    if (!cmd) throw new TraciError("empty version response");
    const r = new Reader(cmd.content);
    return { api: r.int(), version: r.string() };
  }

  async simulationStep(targetTime = 0): Promise<void> {
    await this.request([simStepCommand(targetTime)], [CMD_SIMSTEP]);
  }

  async vehicleIds(): Promise<string[]> {
    const [res] = await this.request([getVehicleVariableCommand(VAR_ID_LIST, "")], [CMD_GET_VEHICLE_VARIABLE]);
    const v = decodeVariableResponse(res!.results[0]!, RESPONSE_GET_VEHICLE_VARIABLE).value;
    if (v.type !== "stringList") throw new TraciError(`vehicle ID list: expected a string list, got ${v.type}`);
    return v.value;
  }

  /** Position, speed, angle, acceleration and road of many vehicles in one round trip. */
  async vehicleSnapshots(ids: readonly string[]): Promise<VehicleSnapshot[]> {
    if (ids.length === 0) return [];
    const vars = [VAR_POSITION, VAR_SPEED, VAR_ANGLE, VAR_ACCELERATION, VAR_ROAD_ID];
    const commands: Uint8Array[] = [];
    for (const id of ids) for (const v of vars) commands.push(getVehicleVariableCommand(v, id));
    const res = await this.request(
      commands,
      commands.map(() => CMD_GET_VEHICLE_VARIABLE),
    );
    const out: VehicleSnapshot[] = [];
    for (let i = 0; i < ids.length; i++) {
      const get = (k: number) =>
        decodeVariableResponse(res[i * vars.length + k]!.results[0]!, RESPONSE_GET_VEHICLE_VARIABLE);
      const pos = get(0).value;
      if (pos.type !== "position2D")
        throw new TraciError(`position of ${ids[i]}: expected a 2D position, got ${pos.type}`);
      const road = get(4).value;
      out.push({
        id: ids[i]!,
        x: pos.value[0],
        y: pos.value[1],
        speed: asNumber(get(1).value, "speed"),
        angle: asNumber(get(2).value, "angle"),
        acceleration: asNumber(get(3).value, "acceleration"),
        road: road.type === "string" ? road.value : "",
      });
    }
    return out;
  }

  async addRoute(routeId: string, edges: readonly string[]): Promise<void> {
    await this.request([addRouteCommand(routeId, edges)], [CMD_SET_ROUTE_VARIABLE]);
  }

  async addVehicle(vehicleId: string, parameters: AddVehicleParameters): Promise<void> {
    await this.request([addVehicleCommand(vehicleId, parameters)], [CMD_SET_VEHICLE_VARIABLE]);
  }

  /** Drops the connection without a goodbye (when SUMO is gone or not answering). */
  destroy(): void {
    this.socket.destroy();
  }

  /** Asks SUMO to end the simulation and closes the socket. */
  async close(): Promise<void> {
    try {
      if (!this.failure) await this.request([closeCommand()], [CMD_CLOSE]);
    } finally {
      this.socket.destroy();
    }
  }
}
