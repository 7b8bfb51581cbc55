using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Berth.Linux;

namespace Berth.Images.Store;

/// <summary>The store's own JSON files (names, usage, image documents): read whole, written atomically.</summary>
internal static class StoreFiles
{
    /// <summary>Null when the file is not there yet.</summary>
    public static T? ReadJson<T>(string path, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), type);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    public static Task WriteJsonAsync<T>(string path, T value, JsonTypeInfo<T> type, CancellationToken ct) =>
        AtomicFile.WriteAsync(path, JsonSerializer.SerializeToUtf8Bytes(value, type), ct);

    public static void CreateRoot(string root)
    {
        if (Directory.Exists(root))
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(root)!);

        // Owner-only: an image's setuid binaries and world-writable directories must not become
        // usable by unprivileged users of the host through this path.
        Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
