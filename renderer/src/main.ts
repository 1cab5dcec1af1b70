document.body.append('Appel');
