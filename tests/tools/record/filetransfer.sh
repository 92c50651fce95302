#!/bin/bash
# File transfer and revision control on loopback, one pcap each:
#   rsync:   rsync --daemon and an rsync:// listing
#   git:     git daemon and git ls-remote git://
#   svn:     svnserve and svn ls svn://
#   cvs:     cvs pserver (behind socat) and a cvs login
#   rpc:     rpcbind and rpcinfo over TCP and UDP (portmapper calls)
#   nfs:     nfs-ganesha (user-space NFS server, VFS backend) exporting a
#            directory over NFSv4/TCP, libnfs's nfs-ls listing it
# Takes section names as arguments (default: all).
. "$(dirname "$0")/lib.sh"
need rsync git subversion cvs rpcbind socat nfs-ganesha nfs-ganesha-vfs libnfs-utils tcpdump
SECTIONS=${*:-rsync git svn cvs rpc nfs}
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

if want rsync; then
mkdir -p "$WORK/share"; echo hello >"$WORK/share/file"
printf '[share]\n  path = %s\n  read only = yes\n  use chroot = no\n' "$WORK/share" >"$WORK/rsyncd.conf"
bg rsync --daemon --no-detach --address=127.0.0.1 --port=10873 --config="$WORK/rsyncd.conf"
wait_port 10873
cap_start rsync 'tcp port 10873'
rsync rsync://127.0.0.1:10873/share/ >/dev/null
cap_stop
fi

if want git; then
git init -q --bare "$WORK/repo.git"
bg git daemon --base-path="$WORK" --export-all --listen=127.0.0.1 --port=19418 "$WORK"
wait_port 19418
cap_start git 'tcp port 19418'
git ls-remote git://127.0.0.1:19418/repo.git >/dev/null || true
cap_stop
fi

if want svn; then
svnadmin create "$WORK/svnrepo"
bg svnserve -d --foreground -r "$WORK" --listen-host 127.0.0.1 --listen-port 13690
wait_port 13690
cap_start svn 'tcp port 13690'
svn ls --non-interactive svn://127.0.0.1:13690/svnrepo >/dev/null || true
cap_stop
fi

if want cvs; then
cvs -d "$WORK/cvsroot" init
bg socat TCP-LISTEN:12401,bind=127.0.0.1,reuseaddr,fork "EXEC:cvs --allow-root=$WORK/cvsroot pserver,nofork"
wait_port 12401
cap_start cvs 'tcp port 12401'
CVS_PASSFILE="$WORK/cvspass" cvs -d ":pserver:flowsieve:secret@127.0.0.1:12401$WORK/cvsroot" login || true
cap_stop
fi

if want rpc; then
# (rpcbind -h only adds UDP addresses and then fails here: it listens on all
# interfaces for the few seconds of the recording.)
bg rpcbind -f -w
sleep 1
wait_port 111
cap_start rpc 'port 111'
rpcinfo -p 127.0.0.1 >/dev/null || true
rpcinfo -u 127.0.0.1 100000 2 >/dev/null || true
cap_stop
fi

if want nfs; then
mkdir -p "$WORK/export"; echo hello >"$WORK/export/file"
cat >"$WORK/ganesha.conf" <<CONF
NFS_CORE_PARAM { Protocols = 4; NFS_Port = 12049; Bind_addr = 127.0.0.1; Enable_NLM = false; Enable_RQUOTA = false; }
NFSV4 { Graceless = true; }
EXPORT { Export_Id = 1; Path = $WORK/export; Pseudo = /export; Access_Type = RO; Squash = No_Root_Squash;
         SecType = sys; Protocols = 4; Transports = TCP; FSAL { Name = VFS; } }
LOG { Default_Log_Level = WARN; }
CONF
bg ganesha.nfsd -F -f "$WORK/ganesha.conf" -L "$WORK/ganesha.log" -p "$WORK/ganesha.pid"
wait_port 12049
cap_start nfs 'tcp port 12049'
timeout 8 nfs-ls "nfs://127.0.0.1/export?version=4&nfsport=12049" >/dev/null || true
cap_stop
fi
