namespace Berth.Images.Store;

/// <summary>
/// What protects content from collection while it is in use: the blobs and layers that pulls,
/// loads, imports and saves in progress have written or will write (containerd's leases, kept in
/// memory: one store instance per root). A count per key lets several operations hold one blob.
/// </summary>
internal sealed class ContentLeases
{
    private const string BlobPrefix = "blob:";
    private const string LayerPrefix = "layer:";

    private readonly Dictionary<string, int> _held = new(StringComparer.Ordinal);

    public static string Blob(Digest digest) => BlobPrefix + digest;

    public static string Layer(Digest diffId) => LayerPrefix + diffId;

    /// <summary>Holds <paramref name="keys"/> until the lease is disposed.</summary>
    public Lease Hold(IEnumerable<string> keys) => new(this, [.. keys]);

    public bool IsHeld(string key)
    {
        lock (_held)
        {
            return _held.ContainsKey(key);
        }
    }

    /// <summary>Adds every held blob digest to <paramref name="blobs"/> and every held diff ID to <paramref name="layers"/>.</summary>
    public void AddHeldTo(ISet<string> blobs, ISet<string> layers)
    {
        lock (_held)
        {
            foreach (var key in _held.Keys)
            {
                if (key.StartsWith(BlobPrefix, StringComparison.Ordinal))
                {
                    blobs.Add(key[BlobPrefix.Length..]);
                }
                else
                {
                    layers.Add(key[LayerPrefix.Length..]);
                }
            }
        }
    }

    private void Add(List<string> keys)
    {
        lock (_held)
        {
            foreach (var key in keys)
            {
                _held[key] = _held.GetValueOrDefault(key) + 1;
            }
        }
    }

    private void Release(List<string> keys)
    {
        lock (_held)
        {
            foreach (var key in keys)
            {
                if (--_held[key] == 0)
                {
                    _held.Remove(key);
                }
            }
        }
    }

    /// <summary>One operation's hold on content; it grows as the operation learns what it needs.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly ContentLeases _leases;
        private readonly List<string> _keys;

        internal Lease(ContentLeases leases, List<string> keys)
        {
            _leases = leases;
            _keys = keys;
            leases.Add(keys);
        }

        public void Add(IEnumerable<string> more)
        {
            List<string> keys = [.. more];
            _leases.Add(keys);
            _keys.AddRange(keys);
        }

        public void Dispose() => _leases.Release(_keys);
    }
}
