import '@det/registry';
