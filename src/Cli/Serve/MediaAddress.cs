// PruneVid.NET — serve: which network addresses remote media may come from.
using System.Net;
using System.Net.Sockets;

namespace PruneVid.Cli.Serve;

/// <summary>
/// Classifies an address as public (remote media may be fetched from it) or not: loopback, link-local (cloud metadata
/// services live there), private, shared (carrier-grade NAT, 100.64/10), multicast, unspecified, reserved and
/// documentation ranges are not, in IPv4 and IPv6 alike; an IPv4-mapped or -embedding IPv6 address counts as its IPv4 one.
/// </summary>
internal static class MediaAddress
{
    /// <summary>True when remote media may be fetched from <paramref name="address"/> without --allow-private-media-hosts.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsPublicV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => IsPublicV6(address),
            _ => false,
        };
    }

    private static bool IsPublicV4(byte[] b) => !(
        b[0] == 0                                      // 0.0.0.0/8: unspecified, "this network"
        || b[0] == 10                                  // 10/8 private
        || b[0] == 127                                 // loopback
        || (b[0] == 100 && (b[1] & 0xC0) == 64)        // 100.64/10 shared (CGNAT)
        || (b[0] == 169 && b[1] == 254)                // link-local (169.254.169.254: cloud metadata)
        || (b[0] == 172 && (b[1] & 0xF0) == 16)        // 172.16/12 private
        || (b[0] == 192 && b[1] == 0 && b[2] == 0)     // 192.0.0/24 protocol assignments
        || (b[0] == 192 && b[1] == 0 && b[2] == 2)     // documentation
        || (b[0] == 192 && b[1] == 168)                // 192.168/16 private
        || (b[0] == 198 && (b[1] & 0xFE) == 18)        // 198.18/15 benchmarking
        || (b[0] == 198 && b[1] == 51 && b[2] == 100)  // documentation
        || (b[0] == 203 && b[1] == 0 && b[2] == 113)   // documentation
        || b[0] >= 224);                               // multicast, reserved, broadcast

    private static bool IsPublicV6(IPAddress address)
    {
        if (IPAddress.IPv6Loopback.Equals(address) || IPAddress.IPv6Any.Equals(address)) return false;
        if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast) return false;
        byte[] b = address.GetAddressBytes();
        if ((b[0] & 0xFE) == 0xFC) return false;                                   // fc00::/7 unique local
        if (b.Take(12).All(x => x == 0)) return false;                             // ::/96 IPv4-compatible (and :: / ::1)
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B)          // 64:ff9b::/96 NAT64: the embedded IPv4
            return IsPublicV4(b[12..]);
        if (b[0] == 0x20 && b[1] == 0x02) return IsPublicV4(b[2..6]);             // 2002::/16 6to4: the embedded IPv4
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return false; // 2001:db8::/32 documentation
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) return false; // 2001::/32 Teredo (hides an IPv4)
        return true;
    }
}
