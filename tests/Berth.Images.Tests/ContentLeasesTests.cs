using Berth.Images.Store;

namespace Berth.Images.Tests;

public class ContentLeasesTests
{
    private static readonly Digest Blob = Digest.Parse("sha256:" + new string('a', 64));
    private static readonly Digest DiffId = Digest.Parse("sha256:" + new string('b', 64));

    [Fact]
    public void Content_stays_held_until_the_last_lease_on_it_ends()
    {
        var leases = new ContentLeases();
        var pull = leases.Hold([ContentLeases.Blob(Blob)]);
        var load = leases.Hold([ContentLeases.Blob(Blob)]);

        pull.Dispose();
        Assert.True(leases.IsHeld(ContentLeases.Blob(Blob)));

        load.Dispose();
        Assert.False(leases.IsHeld(ContentLeases.Blob(Blob)));
    }

    [Fact]
    public void A_lease_holds_what_it_learns_later_and_lets_it_all_go()
    {
        var leases = new ContentLeases();
        using (var lease = leases.Hold([]))
        {
            lease.Add([ContentLeases.Blob(Blob), ContentLeases.Layer(DiffId)]);
            Assert.True(leases.IsHeld(ContentLeases.Blob(Blob)));
            Assert.True(leases.IsHeld(ContentLeases.Layer(DiffId)));
        }

        Assert.False(leases.IsHeld(ContentLeases.Blob(Blob)));
        Assert.False(leases.IsHeld(ContentLeases.Layer(DiffId)));
    }

    [Fact]
    public void Held_blobs_and_layers_are_told_apart_for_the_sweep()
    {
        var leases = new ContentLeases();
        using var lease = leases.Hold([ContentLeases.Blob(Blob), ContentLeases.Layer(DiffId)]);
        var blobs = new HashSet<string>();
        var layers = new HashSet<string>();

        leases.AddHeldTo(blobs, layers);

        Assert.Equal([Blob.ToString()], blobs);
        Assert.Equal([DiffId.ToString()], layers);
    }
}
