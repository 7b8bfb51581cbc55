using System.Collections.Concurrent;

namespace Berth.Runtime.Store;

/// <summary>A record with an id and a state from a state machine.</summary>
public interface IStatefulRecord<TState>
    where TState : struct, Enum
{
    string Id { get; }

    TState State { get; }
}

/// <summary>
/// The runtime's view of its records: every record in memory, each change written through to
/// disk first. Changes to one record are serialized by a lock of its own and checked against the
/// kind's state machine (as containerd's CRI store does), so two callers that race (a stop and an
/// exit noticed by a listing) cannot move a record backwards. Operations that span I/O on one
/// record (stopping a sandbox) take <see cref="AcquireAsync"/>, never a lock over all records.
/// </summary>
public sealed class RecordCache<T, TState>
    where T : class, IStatefulRecord<TState>
    where TState : struct, Enum
{
    private readonly RecordStore<T> store;
    private readonly Func<TState, TState, bool> allowed;
    private readonly ConcurrentDictionary<string, T> records = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> updateLocks = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> operationLocks = new();

    /// <param name="allowed">Whether a record may move from the first state to the second.</param>
    public RecordCache(RecordStore<T> store, Func<TState, TState, bool> allowed)
    {
        this.store = store;
        this.allowed = allowed;
        foreach (var record in store.LoadAll())
        {
            records[record.Id] = record;
        }
    }

    public IReadOnlyCollection<string> Ids => [.. records.Keys];

    public IReadOnlyList<T> All => [.. records.Values];

    public bool Contains(string id) => records.ContainsKey(id);

    /// <summary>By full id or unique prefix.</summary>
    public T? Find(string idOrPrefix) =>
        Runtime.Ids.Resolve(idOrPrefix, records.Keys) is { } id && records.TryGetValue(id, out var record) ? record : null;

    public T? Get(string id) => records.GetValueOrDefault(id);

    /// <summary>A new record (or a record replaced wholesale at creation).</summary>
    public async Task<T> AddAsync(T record, CancellationToken ct)
    {
        var id = record.Id;
        using (await LockAsync(updateLocks, id, ct))
        {
            await store.SaveAsync(id, record, ct);
            records[id] = record;
        }

        return record;
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the record as it is now. Returning the same instance
    /// changes nothing (no write). A move the state machine forbids throws: it is a bug.
    /// </summary>
    /// <returns>The record before and after; null when there is no such record.</returns>
    public async Task<(T Before, T After)?> UpdateAsync(string id, Func<T, T> change, CancellationToken ct)
    {
        using (await LockAsync(updateLocks, id, ct))
        {
            if (!records.TryGetValue(id, out var current))
            {
                return null;
            }

            var next = change(current);
            if (ReferenceEquals(next, current))
            {
                return (current, current);
            }

            if (!allowed(current.State, next.State))
            {
                throw new InvalidOperationException($"{typeof(T).Name} {id}: the move from {current.State} to {next.State} is not allowed");
            }

            await store.SaveAsync(id, next, ct);
            records[id] = next;
            return (current, next);
        }
    }

    public void Delete(string id)
    {
        store.Delete(id);
        records.TryRemove(id, out _);
        updateLocks.TryRemove(id, out _);
        operationLocks.TryRemove(id, out _);
    }

    /// <summary>Serializes whole operations on one record (stopping a sandbox), across I/O.</summary>
    public Task<IDisposable> AcquireAsync(string id, CancellationToken ct) => LockAsync(operationLocks, id, ct);

    private static async Task<IDisposable> LockAsync(ConcurrentDictionary<string, SemaphoreSlim> locks, string id, CancellationToken ct)
    {
        var gate = locks.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Releaser(gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
