using System.Text.Json;
using Berth.Streaming;

namespace Berth.Cri.Streaming.RemoteCommand;

/// <summary>The resize stream's terminal sizes: JSON objects {"Width": w, "Height": h} that may
/// arrive split or several in one frame.</summary>
internal sealed class TerminalSizeReader
{
    private readonly List<byte> pending = [];

    /// <summary>Sizes from the resize stream, applied as they come, until the client closes it.</summary>
    public static async Task ApplyAsync(SpdyStream source, TerminalSizeReader sizes, Action<ushort, ushort> apply)
    {
        while (await source.ReadAsync(CancellationToken.None) is { } chunk)
        {
            foreach (var (width, height) in sizes.Add(chunk))
            {
                apply(width, height);
            }
        }
    }

    /// <summary>The sizes that <paramref name="chunk"/> completes, in order.</summary>
    public IEnumerable<(ushort Width, ushort Height)> Add(byte[] chunk)
    {
        pending.AddRange(chunk);
        var sizes = new List<(ushort, ushort)>();
        while (pending.Count > 0)
        {
            var buffer = pending.ToArray();
            var reader = new Utf8JsonReader(buffer, isFinalBlock: false, default);
            try
            {
                if (!JsonDocument.TryParseValue(ref reader, out var document))
                {
                    break;
                }

                using (document)
                {
                    pending.RemoveRange(0, (int)reader.BytesConsumed);
                    var root = document.RootElement;
                    if (root.ValueKind == JsonValueKind.Object
                        && root.TryGetProperty("Width", out var w) && w.TryGetUInt16(out var width)
                        && root.TryGetProperty("Height", out var h) && h.TryGetUInt16(out var height))
                    {
                        sizes.Add((width, height));
                    }
                }
            }
            catch (JsonException)
            {
                pending.Clear(); // not a size: dropped
            }
        }

        return sizes;
    }
}
