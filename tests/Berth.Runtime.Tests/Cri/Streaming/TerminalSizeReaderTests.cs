using System.Text;
using Berth.Cri.Streaming.RemoteCommand;

namespace Berth.Runtime.Tests.Cri.Streaming;

public class TerminalSizeReaderTests
{
    [Fact]
    public void Sizes_split_across_frames_or_sharing_one_come_out_whole_and_in_order()
    {
        var reader = new TerminalSizeReader();

        Assert.Empty(reader.Add(Bytes("{\"Width\":80,")));
        Assert.Equal([(80, 24)], reader.Add(Bytes("\"Height\":24}")).Select(s => ((int)s.Width, (int)s.Height)));
        Assert.Equal([(100, 30), (120, 40)], reader.Add(Bytes("{\"Width\":100,\"Height\":30}{\"Width\":120,\"Height\":40}")).Select(s => ((int)s.Width, (int)s.Height)));
    }

    [Fact]
    public void What_is_not_a_size_is_dropped_and_what_follows_is_read()
    {
        var reader = new TerminalSizeReader();

        Assert.Empty(reader.Add(Bytes("{\"Width\":-1,\"Height\":24}")));
        Assert.Empty(reader.Add(Bytes("]")));
        Assert.Equal([(10, 5)], reader.Add(Bytes("{\"Width\":10,\"Height\":5}")).Select(s => ((int)s.Width, (int)s.Height)));
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
