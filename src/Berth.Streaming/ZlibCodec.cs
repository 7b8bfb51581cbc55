using System.Runtime.InteropServices;

namespace Berth.Streaming;

/// <summary>
/// One direction of a zlib stream with a preset dictionary, through the system's libz: what
/// SPDY/3 header blocks need (every block of a connection continues one stream, each ended by a
/// sync flush), and what .NET's ZLibStream cannot do, having no preset dictionary.
/// </summary>
internal sealed unsafe class ZlibCodec : IDisposable
{
    private const int ZOk = 0;
    private const int ZStreamEnd = 1;
    private const int ZNeedDict = 2;
    private const int ZBufError = -5;
    private const int ZSyncFlush = 2;
    private const int ZStreamSize = 112; // sizeof(z_stream) on LP64
    private const string ZlibVersion = "1.2.13"; // zlib checks only the major digit

    private readonly bool compress;
    private readonly byte[] dictionary;
    private ZStream* stream;

    private ZlibCodec(bool compress, byte[] dictionary)
    {
        this.compress = compress;
        this.dictionary = dictionary;

        // zlib keeps a pointer to the z_stream in its state: it must not move.
        stream = (ZStream*)NativeMemory.AllocZeroed(ZStreamSize);
        var result = compress
            ? DeflateInit(stream, 9, ZlibVersion, ZStreamSize)
            : InflateInit(stream, ZlibVersion, ZStreamSize);
        if (result != ZOk)
        {
            NativeMemory.Free(stream);
            stream = null;
            throw new InvalidOperationException($"zlib init failed ({result})");
        }

        if (compress && DeflateSetDictionary(stream, dictionary, (uint)dictionary.Length) != ZOk)
        {
            Dispose();
            throw new InvalidOperationException("zlib rejected the dictionary");
        }
    }

    public static ZlibCodec Deflater(byte[] dictionary) => new(compress: true, dictionary);

    public static ZlibCodec Inflater(byte[] dictionary) => new(compress: false, dictionary);

    /// <summary>Compresses or decompresses one block and flushes, so that the peer can read it whole.</summary>
    /// <exception cref="InvalidDataException">The input is not a valid continuation of the stream.</exception>
    public byte[] Process(ReadOnlySpan<byte> input)
    {
        ObjectDisposedException.ThrowIf(stream is null, this);
        using var output = new MemoryStream();
        var buffer = new byte[4096];
        fixed (byte* inPtr = input)
        {
            stream->NextIn = inPtr;
            stream->AvailIn = (uint)input.Length;
            while (true)
            {
                fixed (byte* outPtr = buffer)
                {
                    stream->NextOut = outPtr;
                    stream->AvailOut = (uint)buffer.Length;
                    var result = compress ? Deflate(stream, ZSyncFlush) : Inflate(stream, ZSyncFlush);
                    if (result == ZNeedDict && !compress)
                    {
                        if (InflateSetDictionary(stream, dictionary, (uint)dictionary.Length) != ZOk)
                        {
                            throw new InvalidDataException("the header block was compressed with another dictionary");
                        }

                        continue;
                    }

                    if (result is not (ZOk or ZBufError or ZStreamEnd))
                    {
                        throw new InvalidDataException($"corrupt zlib data ({result})");
                    }

                    var produced = buffer.Length - (int)stream->AvailOut;
                    output.Write(buffer, 0, produced);

                    // Done when zlib neither filled the buffer nor has input left.
                    if (stream->AvailOut != 0 && stream->AvailIn == 0 || result == ZBufError && produced == 0)
                    {
                        break;
                    }
                }
            }

            stream->NextIn = null;
            stream->NextOut = null;
        }

        return output.ToArray();
    }

    public void Dispose()
    {
        if (stream is null)
        {
            return;
        }

        _ = compress ? DeflateEnd(stream) : InflateEnd(stream);
        NativeMemory.Free(stream);
        stream = null;
    }

    /// <summary>z_stream of zlib.h on LP64 Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct ZStream
    {
        public byte* NextIn;
        public uint AvailIn;
        public nuint TotalIn;
        public byte* NextOut;
        public uint AvailOut;
        public nuint TotalOut;
        public nint Msg;
        public nint State;
        public nint Zalloc;
        public nint Zfree;
        public nint Opaque;
        public int DataType;
        public nuint Adler;
        public nuint Reserved;
    }

    [DllImport("libz.so.1", EntryPoint = "deflateInit_")]
    private static extern int DeflateInit(ZStream* stream, int level, [MarshalAs(UnmanagedType.LPStr)] string version, int streamSize);

    [DllImport("libz.so.1", EntryPoint = "inflateInit_")]
    private static extern int InflateInit(ZStream* stream, [MarshalAs(UnmanagedType.LPStr)] string version, int streamSize);

    [DllImport("libz.so.1", EntryPoint = "deflateSetDictionary")]
    private static extern int DeflateSetDictionary(ZStream* stream, byte[] dictionary, uint length);

    [DllImport("libz.so.1", EntryPoint = "inflateSetDictionary")]
    private static extern int InflateSetDictionary(ZStream* stream, byte[] dictionary, uint length);

    [DllImport("libz.so.1", EntryPoint = "deflate")]
    private static extern int Deflate(ZStream* stream, int flush);

    [DllImport("libz.so.1", EntryPoint = "inflate")]
    private static extern int Inflate(ZStream* stream, int flush);

    [DllImport("libz.so.1", EntryPoint = "deflateEnd")]
    private static extern int DeflateEnd(ZStream* stream);

    [DllImport("libz.so.1", EntryPoint = "inflateEnd")]
    private static extern int InflateEnd(ZStream* stream);
}
