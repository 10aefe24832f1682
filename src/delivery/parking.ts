// Which rooms are parked and why: one room (no permission, unknown room…) or all of them (the token was refused).

/** A parked room, as `Deliverer.parked()` reports it. */
export interface ParkedRoom {
  roomId: string;
  /** The sentence a person acts on. */
  reason: string;
  /** When the park began (ms since the epoch). */
  since: number;
}

/** A park in force; `roomId` is the room that met the error. */
export interface Park extends ParkedRoom {
  errcode: string;
}

interface AccountPark extends Park {
  lifted: Promise<void>;
  lift: () => void;
}

/** The park bookkeeping of a Deliverer: what to log once, who probes, who waits. */
export class Parking {
  private readonly rooms = new Map<string, Park>();
  private account: AccountPark | null = null;

  /** Records a park; true when it is news (a first park, or a new errcode) that must be logged once. */
  park(scope: 'room' | 'all', park: Park): boolean {
    if (scope === 'room') {
      const previous = this.rooms.get(park.roomId);
      if (previous?.errcode === park.errcode) return false;
      this.rooms.set(park.roomId, { ...park, since: previous?.since ?? park.since });
      return true;
    }
    if (this.account) {
      if (this.account.errcode === park.errcode) return false;
      // Same account, a new cause (e.g. token refused, then account locked): keep the prober and the gate.
      Object.assign(this.account, { errcode: park.errcode, reason: park.reason });
      return true;
    }
    let lift = (): void => {};
    const lifted = new Promise<void>((resolve) => { lift = resolve; });
    this.account = { ...park, lifted, lift };
    return true;
  }

  /** The room that probes while every room is parked (the one that met the account error), if any. */
  accountProber(): string | undefined {
    return this.account?.roomId;
  }

  /** Resolves when the account park is lifted, or when the deliverer stops. */
  accountLifted(): Promise<void> {
    return this.account?.lifted ?? Promise.resolve();
  }

  /** Ends the account park, letting every waiting room go on; returns it if there was one. */
  liftAccount(): Park | undefined {
    const park = this.account;
    if (!park) return undefined;
    this.account = null;
    park.lift();
    return { roomId: park.roomId, errcode: park.errcode, reason: park.reason, since: park.since };
  }

  /** Ends a room's park; returns it if there was one. */
  liftRoom(roomId: string): Park | undefined {
    const park = this.rooms.get(roomId);
    this.rooms.delete(roomId);
    return park;
  }

  /** True if any room is parked. */
  any(): boolean {
    return this.account !== null || this.rooms.size > 0;
  }

  /** Every parked room among those with pending rows: all of them under an account park. */
  list(pendingRooms: readonly string[]): ParkedRoom[] {
    const account = this.account;
    return pendingRooms.flatMap((roomId): ParkedRoom[] => {
      const park = account ?? this.rooms.get(roomId);
      return park ? [{ roomId, reason: park.reason, since: park.since }] : [];
    });
  }

  /** Stop: releases every room waiting at the account gate, so workers can exit. */
  releaseAll(): void {
    this.account?.lift();
  }
}
