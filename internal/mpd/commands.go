package mpd

import (
	"context"
)

// handler runs one command with its arguments and writes its output to
// c.w. A *protocol.Error becomes the ACK line; any other error is logged
// and sent as a generic system error.
type handler func(ctx context.Context, c *conn, args []string) error

// command is one entry of the command table.
type command struct {
	perm             Permission
	minArgs, maxArgs int // maxArgs -1: no maximum
	handler          handler
	// localOnly commands work only over the Unix socket, as config does
	// in MPD 0.23.
	localOnly bool
}

const many = -1

// commandTable lists every command of MPD 0.23.12 with the permission it
// needs in MPD 0.23 and its number of arguments. idle, noidle and the
// command list markers are listed for commands and notcommands but run in
// the connection loop.
func commandTable() map[string]command {
	return map[string]command{
		// Status.
		"clearerror":  {PermPlayer, 0, 0, cmdClearError, false},
		"currentsong": {PermRead, 0, 0, cmdCurrentSong, false},
		"idle":        {PermRead, 0, many, nil, false},
		"noidle":      {PermNone, 0, 0, nil, false},
		"status":      {PermRead, 0, 0, cmdStatus, false},
		"stats":       {PermRead, 0, 0, cmdStats, false},

		// Playback options.
		"consume":            {PermPlayer, 1, 1, cmdConsume, false},
		"crossfade":          {PermPlayer, 1, 1, cmdCrossfade, false},
		"mixrampdb":          {PermPlayer, 1, 1, cmdMixrampDB, false},
		"mixrampdelay":       {PermPlayer, 1, 1, cmdMixrampDelay, false},
		"random":             {PermPlayer, 1, 1, cmdRandom, false},
		"repeat":             {PermPlayer, 1, 1, cmdRepeat, false},
		"setvol":             {PermPlayer, 1, 1, cmdSetVol, false},
		"getvol":             {PermRead, 0, 0, cmdGetVol, false},
		"single":             {PermPlayer, 1, 1, cmdSingle, false},
		"replay_gain_mode":   {PermPlayer, 1, 1, cmdReplayGainMode, false},
		"replay_gain_status": {PermRead, 0, 0, cmdReplayGainStatus, false},
		"volume":             {PermPlayer, 1, 1, cmdVolume, false},

		// Playback control.
		"next":     {PermPlayer, 0, 0, cmdNext, false},
		"pause":    {PermPlayer, 0, 1, cmdPause, false},
		"play":     {PermPlayer, 0, 1, cmdPlay, false},
		"playid":   {PermPlayer, 0, 1, cmdPlayID, false},
		"previous": {PermPlayer, 0, 0, cmdPrevious, false},
		"seek":     {PermPlayer, 2, 2, cmdSeek, false},
		"seekid":   {PermPlayer, 2, 2, cmdSeekID, false},
		"seekcur":  {PermPlayer, 1, 1, cmdSeekCur, false},
		"stop":     {PermPlayer, 0, 0, cmdStop, false},

		// The queue.
		"add":            {PermAdd, 1, 2, cmdAdd, false},
		"addid":          {PermAdd, 1, 2, cmdAddID, false},
		"clear":          {PermPlayer, 0, 0, cmdClear, false},
		"delete":         {PermPlayer, 1, 1, cmdDelete, false},
		"deleteid":       {PermPlayer, 1, 1, cmdDeleteID, false},
		"move":           {PermPlayer, 2, 2, cmdMove, false},
		"moveid":         {PermPlayer, 2, 2, cmdMoveID, false},
		"playlist":       {PermRead, 0, 0, cmdPlaylist, false},
		"playlistfind":   {PermRead, 1, many, cmdPlaylistFind, false},
		"playlistid":     {PermRead, 0, 1, cmdPlaylistID, false},
		"playlistinfo":   {PermRead, 0, 1, cmdPlaylistInfo, false},
		"playlistsearch": {PermRead, 1, many, cmdPlaylistSearch, false},
		"plchanges":      {PermRead, 1, 2, cmdPlChanges, false},
		"plchangesposid": {PermRead, 1, 2, cmdPlChangesPosID, false},
		"prio":           {PermPlayer, 2, many, cmdPrio, false},
		"prioid":         {PermPlayer, 2, many, cmdPrioID, false},
		"rangeid":        {PermAdd, 2, 2, cmdRangeID, false},
		"shuffle":        {PermPlayer, 0, 1, cmdShuffle, false},
		"swap":           {PermPlayer, 2, 2, cmdSwap, false},
		"swapid":         {PermPlayer, 2, 2, cmdSwapID, false},
		"addtagid":       {PermAdd, 3, 3, cmdAddTagID, false},
		"cleartagid":     {PermAdd, 1, 2, cmdClearTagID, false},

		// Stored playlists.
		"listplaylist":     {PermRead, 1, 2, cmdListPlaylist, false},
		"listplaylistinfo": {PermRead, 1, 2, cmdListPlaylistInfo, false},
		"listplaylists":    {PermRead, 0, 0, cmdListPlaylists, false},
		"load":             {PermAdd, 1, 3, cmdLoad, false},
		"playlistadd":      {PermControl, 2, 3, cmdPlaylistAdd, false},
		"playlistclear":    {PermControl, 1, 1, cmdPlaylistClear, false},
		"playlistdelete":   {PermControl, 2, 2, cmdPlaylistDelete, false},
		"playlistmove":     {PermControl, 3, 3, cmdPlaylistMove, false},
		"rename":           {PermControl, 2, 2, cmdRename, false},
		"rm":               {PermControl, 1, 1, cmdRm, false},
		"save":             {PermControl, 1, 1, cmdSave, false},

		// The music database.
		"albumart":       {PermRead, 2, 2, cmdAlbumArt, false},
		"count":          {PermRead, 1, many, cmdCount, false},
		"getfingerprint": {PermRead, 1, 1, cmdGetFingerprint, false},
		"find":           {PermRead, 1, many, cmdFind, false},
		"findadd":        {PermAdd, 1, many, cmdFindAdd, false},
		"list":           {PermRead, 1, many, cmdList, false},
		"listall":        {PermRead, 0, 1, cmdListAll, false},
		"listallinfo":    {PermRead, 0, 1, cmdListAllInfo, false},
		"listfiles":      {PermRead, 0, 1, cmdListFiles, false},
		"lsinfo":         {PermRead, 0, 1, cmdLsInfo, false},
		"readcomments":   {PermRead, 1, 1, cmdReadComments, false},
		"readpicture":    {PermRead, 2, 2, cmdReadPicture, false},
		"search":         {PermRead, 1, many, cmdSearch, false},
		"searchadd":      {PermAdd, 1, many, cmdSearchAdd, false},
		"searchaddpl":    {PermControl, 2, many, cmdSearchAddPl, false},
		"update":         {PermControl, 0, 1, cmdUpdate, false},
		"rescan":         {PermControl, 0, 1, cmdRescan, false},

		// Mounts and neighbors.
		"mount":         {PermAdmin, 2, 2, notSupported("storage mounts are not supported: add music folders in the configuration"), false},
		"unmount":       {PermAdmin, 1, 1, notSupported("storage mounts are not supported: add music folders in the configuration"), false},
		"listmounts":    {PermRead, 0, 0, cmdListMounts, false},
		"listneighbors": {PermRead, 0, 0, notSupported("No neighbor plugin configured"), false},

		// Stickers.
		"sticker": {PermAdmin, 3, many, cmdSticker, false},

		// Connection settings.
		"close":       {PermNone, 0, 0, cmdClose, false},
		"kill":        {PermAdmin, 0, 1, notSupported("stopping the server over MPD is not supported: stop the service instead"), false},
		"password":    {PermNone, 1, 1, cmdPassword, false},
		"ping":        {PermNone, 0, 0, cmdPing, false},
		"binarylimit": {PermNone, 1, 1, cmdBinaryLimit, false},
		"tagtypes":    {PermNone, 0, many, cmdTagTypes, false},

		// Partitions.
		"partition":      {PermRead, 1, 1, cmdPartition, false},
		"listpartitions": {PermRead, 0, 0, cmdListPartitions, false},
		"newpartition":   {PermAdmin, 1, 1, notSupported("partitions are not supported: the server has one player"), false},
		"delpartition":   {PermAdmin, 1, 1, notSupported("partitions are not supported: the server has one player"), false},
		"moveoutput":     {PermAdmin, 1, 1, notSupported("partitions are not supported: the server has one player"), false},

		// Audio outputs.
		"disableoutput": {PermAdmin, 1, 1, cmdDisableOutput, false},
		"enableoutput":  {PermAdmin, 1, 1, cmdEnableOutput, false},
		"toggleoutput":  {PermAdmin, 1, 1, cmdToggleOutput, false},
		"outputs":       {PermRead, 0, 0, cmdOutputs, false},
		"outputset":     {PermAdmin, 3, 3, notSupported("output attributes are not supported"), false},

		// Reflection.
		"config":      {PermAdmin, 0, 0, cmdConfig, true},
		"commands":    {PermNone, 0, 0, cmdCommands, false},
		"notcommands": {PermNone, 0, 0, cmdNotCommands, false},
		"urlhandlers": {PermRead, 0, 0, cmdURLHandlers, false},
		"decoders":    {PermRead, 0, 0, cmdDecoders, false},

		// Client to client.
		"subscribe":    {PermRead, 1, 1, cmdSubscribe, false},
		"unsubscribe":  {PermRead, 1, 1, cmdUnsubscribe, false},
		"channels":     {PermRead, 0, 0, cmdChannels, false},
		"readmessages": {PermRead, 0, 0, cmdReadMessages, false},
		"sendmessage":  {PermControl, 2, 2, cmdSendMessage, false},

		// Command lists.
		"command_list_begin":    {PermNone, 0, 0, nil, false},
		"command_list_ok_begin": {PermNone, 0, 0, nil, false},
		"command_list_end":      {PermNone, 0, 0, nil, false},
	}
}

// commands returns the command table, built once by New.
func (s *Server) commands() map[string]command { return s.cmds }
